package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/stub"
)

var drawnLength = http.Header{stub.HeaderTokensDist: {"lognormal:mean=20,sd=15"}}

func TestPairedLengthsOnlyWhenTheRequestDrawsItsLength(t *testing.T) {
	if newPairedLengths(http.Header{}, 0) != nil {
		t.Error("a fixed length is paired")
	}
	for _, own := range []string{stub.HeaderSeed, stub.HeaderTokens} {
		h := drawnLength.Clone()
		h.Set(own, "5")
		if newPairedLengths(h, 0) != nil {
			t.Errorf("a request with its own %s is paired", own)
		}
	}
	p := newPairedLengths(drawnLength, 7)
	first, ok := p.seed(0)
	again, _ := p.seed(0)
	next, _ := p.seed(1)
	salted, _ := newPairedLengths(drawnLength, 8).seed(0)
	if _, closed := p.seed(noArrival); !ok || first != again || first == next || first == salted || closed {
		t.Errorf("seeds: arrival 0 %q then %q, arrival 1 %q, another salt %q, a closed executor's %v; "+
			"want one seed per arrival and salt, none without an arrival", first, again, next, salted, closed)
	}
}

// Both request paths send the arrival's seed with the rest of the request unchanged, and no
// seed for an iteration of a closed executor.
func TestBothRequestPathsSendTheArrivalsSeed(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []*http.Request
		body []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen, body = append(seen, r), append(body, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	p, _ := prepareFor(t, srv.URL, drawnLength)
	if p.it.lean == nil || p.it.paired == nil {
		t.Fatal("want the lean client and paired lengths for a plain-http target with a drawn length")
	}
	p.it.run(context.Background(), time.Now(), 5) // lean
	p.it.run(context.Background(), time.Now(), noArrival)
	p.it.lean = nil // the net/http path
	p.it.run(context.Background(), time.Now(), 6)
	p.it.run(context.Background(), time.Now(), noArrival)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 4 {
		t.Fatalf("the server saw %d requests, want 4", len(seen))
	}
	five, _ := p.it.paired.seed(5)
	six, _ := p.it.paired.seed(6)
	for i, want := range []string{five, "", six, ""} {
		r := seen[i]
		if got := r.Header.Get(stub.HeaderSeed); got != want {
			t.Errorf("request %d: %s %q, want %q", i, stub.HeaderSeed, got, want)
		}
		if r.Header.Get(stub.HeaderTokensDist) != drawnLength.Get(stub.HeaderTokensDist) || body[i] != string(DefaultBody) ||
			r.ContentLength != int64(len(DefaultBody)) {
			t.Errorf("request %d: headers %v, body %q: want the run's request", i, r.Header, body[i])
		}
	}
}

// Two runs with the same salt, as two servers of a trial or of a duet round, draw the same
// length for each arrival from a real stub; another salt draws others.
func TestPairedLengthsGiveEveryRunTheSameLengths(t *testing.T) {
	cfg := stub.DefaultConfig()
	cfg.Shape.TimeToFirstToken, cfg.Shape.InterTokenDelay = 0, 0
	h, err := stub.NewHandler(cfg, prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	lengths := func(salt uint64) (streams uint64, events float64) {
		reg := prometheus.NewRegistry()
		sum, err := Run(context.Background(), Options{Target: srv.URL, TestID: "t", Server: "s", ScenarioName: "lengths",
			Scenario: ConstantArrivalRate{Rate: 100, TimeUnit: time.Second, Duration: 300 * time.Millisecond,
				PreAllocatedVUs: 5, MaxVUs: 30, GracefulStop: 10 * time.Second},
			Headers: drawnLength, LengthSalt: salt, Registry: reg})
		if err != nil || sum.Failed > 0 || sum.Dropped > 0 {
			t.Fatalf("run: %v, %+v", err, sum)
		}
		hist := streamLengthOf(t, reg)
		return hist.GetSampleCount(), hist.GetSampleSum()
	}
	n1, e1 := lengths(7)
	n2, e2 := lengths(7)
	n3, e3 := lengths(8)
	if n1 != 30 || n2 != n1 || e2 != e1 {
		t.Errorf("salt 7 twice: %d streams of %v events, then %d of %v; want 30 streams, the same lengths", n1, e1, n2, e2)
	}
	if n3 != n1 || e3 == e1 {
		t.Errorf("salt 8: %d streams of %v events, salt 7 %v: want other lengths", n3, e3, e1)
	}
}
