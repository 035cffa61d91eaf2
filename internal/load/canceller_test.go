package load

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/stub"
)

// seenCancel is one cancelling client's request as the server saw it.
type seenCancel struct {
	remote     string
	arrived    time.Time
	cancelAt   time.Time // its HeaderCancelAt
	gone       time.Time // when the server saw the client leave
	endedFirst bool      // the server sent the whole stream
	userAgent  string
}

// cancelServer is a streaming server on 127.0.0.1 that tells the cancelling clients' requests
// (those with HeaderCancelAt) from the others: a long stream to them, each recorded with the
// moment it announced and the moment the client left, and every TCP connection's close.
type cancelServer struct {
	*httptest.Server
	normal atomic.Int64

	mu      sync.Mutex
	cancels []seenCancel
	closed  map[string]time.Time // remote address → the server saw the connection closed
	changes chan struct{}        // a request recorded or a connection closed
}

func newCancelServer(t *testing.T, cancellerStream time.Duration) *cancelServer {
	s := &cancelServer{closed: map[string]time.Time{}, changes: make(chan struct{}, 1)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		flusher := w.(http.Flusher)
		v := r.Header.Get(HeaderCancelAt)
		if v == "" {
			s.normal.Add(1)
			for i := range 3 {
				fmt.Fprintf(w, "data: {\"i\":%d}\n\n", i)
				flusher.Flush()
			}
			fmt.Fprint(w, "data: [DONE]\n\n")
			return
		}
		nanos, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Errorf("%s %q: not decimal Unix nanoseconds", HeaderCancelAt, v)
		}
		seen := seenCancel{remote: r.RemoteAddr, arrived: time.Now(), cancelAt: time.Unix(0, nanos), userAgent: r.UserAgent()}
		end := time.NewTimer(cancellerStream)
		defer end.Stop()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
	stream:
		for i := 0; ; i++ {
			select {
			case <-r.Context().Done(): // the client closed its connection
				seen.gone = time.Now()
				break stream
			case <-end.C:
				seen.endedFirst = true
				fmt.Fprint(w, "data: [DONE]\n\n")
				break stream
			case <-tick.C:
				fmt.Fprintf(w, "data: {\"i\":%d}\n\n", i)
				flusher.Flush()
			}
		}
		s.mu.Lock()
		s.cancels = append(s.cancels, seen)
		s.mu.Unlock()
		s.changed()
	}))
	s.Config.ConnState = func(c net.Conn, state http.ConnState) {
		if state != http.StateClosed && state != http.StateHijacked {
			return
		}
		s.mu.Lock()
		s.closed[c.RemoteAddr().String()] = time.Now()
		s.mu.Unlock()
		s.changed()
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// changed wakes waitFor, never blocking.
func (s *cancelServer) changed() {
	select {
	case s.changes <- struct{}{}:
	default:
	}
}

// waitFor waits, up to a bound, until done holds of what the server has seen: a handler
// records its request and a connection its close a moment after the client has left.
func (s *cancelServer) waitFor(t *testing.T, what string, done func(cancels []seenCancel, closed map[string]time.Time) bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok := done(s.cancels, s.closed)
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-s.changes:
		case <-deadline.C:
			t.Fatalf("the server never saw %s", what)
		}
	}
}

// seen waits for the server to have recorded n cancelling clients' requests and closed their
// connections, and returns them with the closes.
func (s *cancelServer) seen(t *testing.T, n int64) ([]seenCancel, map[string]time.Time) {
	s.waitFor(t, fmt.Sprintf("%d cancelling clients come and go", n), func(cancels []seenCancel, closed map[string]time.Time) bool {
		if int64(len(cancels)) < n {
			return false
		}
		for _, c := range cancels {
			if _, ok := closed[c.remote]; !ok {
				return false
			}
		}
		return true
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	closed := make(map[string]time.Time, len(s.closed))
	for k, v := range s.closed {
		closed[k] = v
	}
	return append([]seenCancel(nil), s.cancels...), closed
}

// The cancelling clients announce their moment, close the TCP connection at it, and are
// counted apart from the well-behaved clients, whose every series stays theirs.
func TestCancellingClientsCloseTheirConnectionAtTheirMoment(t *testing.T) {
	srv := newCancelServer(t, 3*time.Second)
	reg := prometheus.NewRegistry()
	// 40 arrivals a second for 500 ms, half of them cancelling: 10 each. The stream asked
	// for puts each moment in [10ms, 210ms), long before the server's 3-s stream ends.
	sum, err := Run(context.Background(), Options{Target: srv.URL, TestID: "t1", Server: "s1", ScenarioName: "cancel",
		Scenario: ConstantArrivalRate{Rate: 40, TimeUnit: time.Second, Duration: 500 * time.Millisecond,
			PreAllocatedVUs: 2, MaxVUs: 20, GracefulStop: 5 * time.Second},
		Headers: StreamShape{Tokens: 20, TimeToFirstToken: 10 * time.Millisecond, InterTokenDelay: 10 * time.Millisecond}.Headers(),
		Clients: Clients{Cancel: &CancelClients{Share: 0.5}}, Seed: 42, Registry: reg, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	c := sum.CancellingClients
	if c == nil || c.Started != 10 || c.Cancels != 10 || c.EndedFirst != 0 || c.Failed != 0 || c.Seed != 42 {
		t.Fatalf("cancelling clients %+v: want 10 started and 10 cancels, seed 42", c)
	}
	seen, closed := srv.seen(t, c.Started)
	if len(seen) != 10 {
		t.Fatalf("the server saw %d cancelling clients, want 10", len(seen))
	}
	for _, s := range seen {
		if s.endedFirst || s.gone.IsZero() {
			t.Errorf("%s: the client did not leave before the stream's end", s.remote)
			continue
		}
		if ahead := s.cancelAt.Sub(s.arrived); ahead < 0 || ahead > 210*time.Millisecond {
			t.Errorf("%s: announced a moment %v after its request arrived, want within [10ms, 210ms)", s.remote, ahead)
		}
		// The same machine's clock: the close cannot come before the moment, and comes soon after.
		if late := s.gone.Sub(s.cancelAt); late < -time.Millisecond || late > 300*time.Millisecond {
			t.Errorf("%s: the server saw the client leave %v after its moment, want about 0", s.remote, late)
		}
		if late := closed[s.remote].Sub(s.cancelAt); late < -time.Millisecond || late > 300*time.Millisecond {
			t.Errorf("%s: the TCP connection closed %v after the moment, want about 0", s.remote, late)
		}
		if s.userAgent != userAgentCanceller {
			t.Errorf("%s: User-Agent %q, want %q", s.remote, s.userAgent, userAgentCanceller)
		}
	}
	got := gathered(t, reg)
	if got["ssebench_client_cancels_total"] != 10 {
		t.Errorf("ssebench_client_cancels_total = %v, want 10", got["ssebench_client_cancels_total"])
	}
	// The well-behaved clients ran the other half, and every series of theirs counts them alone.
	url := srv.URL + ChatCompletionsPath
	ok := `{expected_response="true",method="POST",name="` + url + `",status="200"}`
	if n := srv.normal.Load(); n != 10 || sum.Requests != n || got["k6_http_reqs_total"+ok] != float64(n) ||
		got["k6_iterations_total"] != float64(n) || got["ssebench_stream_events_total"] != float64(4*n) ||
		got["ssebench_time_to_first_token_seconds"] != float64(n) || sum.Failed != 0 || sum.Incomplete != 0 {
		t.Errorf("server saw %d well-behaved requests; summary %d requests (%d failed, %d incomplete); series %v",
			n, sum.Requests, sum.Failed, sum.Incomplete, got)
	}
	var text bytes.Buffer
	if err := sum.WriteText(&text); err != nil || !strings.Contains(text.String(), "cancelling clients: 10 cancels sent") {
		t.Errorf("summary text lacks the cancelling clients' line:\n%s", text.String())
	}
}

// No more cancelling clients at once than their bound: one due beyond it is dropped, and said
// so in the log alone.
func TestCancellingClientsBeyondTheirBoundAreDropped(t *testing.T) {
	srv := newCancelServer(t, 3*time.Second)
	var log bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &log, mu: &mu}, nil))
	// 10 cancelling clients a second for 500 ms (5), each staying 300 ms, at most 1 at once
	// (half of 2 VUs): the ones due at 100 and 200 ms find the first still there.
	sum, err := Run(context.Background(), Options{Target: srv.URL, Registry: prometheus.NewRegistry(),
		Scenario: ConstantArrivalRate{Rate: 20, TimeUnit: time.Second, Duration: 500 * time.Millisecond,
			PreAllocatedVUs: 1, MaxVUs: 2, GracefulStop: 5 * time.Second},
		Headers: StreamShape{Tokens: 1, TimeToFirstToken: 300 * time.Millisecond, InterTokenDelay: time.Millisecond}.Headers(),
		Clients: Clients{Cancel: &CancelClients{Share: 0.5}}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	out := log.String()
	mu.Unlock()
	c := sum.CancellingClients
	dropped := -1
	for _, field := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(field, "dropped_over_bound="); ok {
			dropped, _ = strconv.Atoi(v)
		}
	}
	if c == nil || dropped < 2 || c.Started+int64(dropped) != 5 {
		t.Errorf("cancelling clients %+v, %d dropped (log: %s): want 5 due, at least 2 dropped", c, dropped, out)
	}
	// One at a time: each arrived after the one before had reached its moment (the server
	// itself may still be finishing the one before when the next arrives).
	seen, _ := srv.seen(t, c.Started)
	slices.SortFunc(seen, func(a, b seenCancel) int { return a.arrived.Compare(b.arrived) })
	for i := 1; i < len(seen); i++ {
		if seen[i].arrived.Before(seen[i-1].cancelAt) {
			t.Errorf("a cancelling client arrived %v before the one before it reached its moment: two at once",
				seen[i-1].cancelAt.Sub(seen[i].arrived))
		}
	}
}

func TestCancelMomentsAreUniformOverTheStream(t *testing.T) {
	c := &cancellers{shape: streamed{Shape: stub.Shape{Tokens: 10, TimeToFirstToken: 50 * time.Millisecond, InterTokenDelay: 20 * time.Millisecond}},
		rng: rand.New(rand.NewPCG(1, 2))}
	lo, hi := time.Hour, time.Duration(0)
	for range 10_000 {
		seed, tokens := c.drawLength()
		if seed != "" || tokens != 10 {
			t.Fatalf("a fixed length drew seed %q, %d tokens; want none, 10", seed, tokens)
		}
		d := c.drawDelay(tokens)
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 50*time.Millisecond || hi >= 250*time.Millisecond || lo > 55*time.Millisecond || hi < 245*time.Millisecond {
		t.Errorf("moments span [%v, %v], want all of [50ms, 250ms)", lo, hi)
	}
}

// With lengths drawn from a distribution, each cancelling client's moment falls inside its
// own stream: it sends the seed whose count the stub draws, and draws its moment over that
// count (internal/stub's TestDrawnCountOverARealSocket checks the stub streams that count).
func TestCancelMomentsFallInsideDrawnLengths(t *testing.T) {
	h := StreamShape{TokensDist: "lognormal:mean=200,sd=150", TimeToFirstToken: 50 * time.Millisecond, InterTokenDelay: 10 * time.Millisecond}.Headers()
	c := &cancellers{shape: streamedShape(h), rng: rand.New(rand.NewPCG(3, 4))}
	if c.shape.TokensDist == nil || c.shape.lengthUnknown {
		t.Fatalf("shape %+v: want the scenario's distribution", c.shape)
	}
	var long int
	for range 2_000 {
		seed, tokens := c.drawLength()
		n, err := strconv.ParseUint(seed, 10, 64)
		if err != nil || c.shape.TokensDist.CountForSeed(n) != tokens {
			t.Fatalf("seed %q (%v) draws %d tokens, not the client's %d", seed, err, c.shape.TokensDist.CountForSeed(n), tokens)
		}
		d := c.drawDelay(tokens)
		if end := 50*time.Millisecond + time.Duration(tokens)*10*time.Millisecond; d < 50*time.Millisecond || d >= max(end, 50*time.Millisecond+1) {
			t.Fatalf("moment %v outside its %d-token stream [50ms, %v)", d, tokens, end)
		}
		if tokens > 400 {
			long++
		}
	}
	if long == 0 {
		t.Error("no stream drew over 400 tokens: the moments are not drawn over the distribution's lengths")
	}
	named := streamedShape(http.Header{stub.HeaderTokensDist: {"histogram:chat"}})
	if named.TokensDist != nil || !named.lengthUnknown {
		t.Errorf("a histogram the stub holds: %+v, want the length unknown", named)
	}
	fixed := streamedShape(http.Header{stub.HeaderTokensDist: {"lognormal:mean=200,sd=150"}, stub.HeaderTokens: {"7"}})
	if fixed.TokensDist != nil || fixed.Tokens != 7 {
		t.Errorf("an explicit count with a distribution: %+v, want the count, as the stub does", fixed)
	}
}

func TestStreamedShapeIsWhatTheStubStreams(t *testing.T) {
	if got := streamedShape(http.Header{}); got.Shape != stub.DefaultShape() || got.TokensDist != nil {
		t.Errorf("no headers: %+v, want the stub's default %+v", got, stub.DefaultShape())
	}
	h := StreamShape{Tokens: 200, TimeToFirstToken: 50 * time.Millisecond}.Headers()
	h.Add(stub.HeaderInterTokenDelay, "5ms")
	h.Add(stub.HeaderInterTokenDelay, "20ms") // a --header after the scenario's: the last wins, as in the stub
	got := streamedShape(h)
	if got.Tokens != 200 || got.TimeToFirstToken != 50*time.Millisecond || got.InterTokenDelay != 20*time.Millisecond {
		t.Errorf("shape %+v, want 200 tokens, 50ms, 20ms", got)
	}
	realistic := streamedShape(http.Header{stub.HeaderProfile: {stub.ProfileRealistic}})
	if realistic.Shape != stub.RealisticShape() {
		t.Errorf("realistic profile: %+v, want %+v", realistic, stub.RealisticShape())
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
