package load

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// countedServer serves handler on 127.0.0.1 and counts the TCP connections it accepts and closes.
type countedServer struct {
	*httptest.Server
	opened, closed atomic.Int64
}

func newCountedServer(t *testing.T, handler http.Handler) *countedServer {
	s := &countedServer{Server: httptest.NewUnstartedServer(handler)}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.opened.Add(1)
		case http.StateClosed, http.StateHijacked:
			s.closed.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func runOK(t *testing.T, p *prepared, n int) {
	t.Helper()
	for i := range n {
		if !p.it.run(context.Background(), time.Now(), noArrival) {
			t.Fatalf("iteration %d reported itself interrupted", i)
		}
	}
	if failed := p.col.failedReqs.Load(); failed != 0 {
		t.Fatalf("%d of %d requests failed", failed, p.col.requests.Load())
	}
}

func TestLeanClientKeepsOneConnectionAlive(t *testing.T) {
	srv := newCountedServer(t, streamServer(t).Config.Handler)
	p, _ := prepareFor(t, srv.URL, nil)
	if p.it.lean == nil {
		t.Fatal("a plain-http target does not use the lean client")
	}
	runOK(t, p, 5)
	if n := srv.opened.Load(); n != 1 {
		t.Fatalf("5 sequential streams opened %d connections, want 1 kept alive", n)
	}
}

// TestLeanClientRedialsWhenTheServerClosedAnIdleConnection is the idle-timeout case: the
// server closes a connection between two requests, and the second must not fail on it.
func TestLeanClientRedialsWhenTheServerClosedAnIdleConnection(t *testing.T) {
	srv := newCountedServer(t, streamServer(t).Config.Handler)
	p, _ := prepareFor(t, srv.URL, nil)
	runOK(t, p, 1)
	srv.CloseClientConnections()
	waitUntil(t, "the server to close the connection", func() bool { return srv.closed.Load() == 1 })
	runOK(t, p, 1)
	if n := srv.opened.Load(); n != 2 {
		t.Fatalf("%d connections opened, want 2: the closed one replaced", n)
	}
}

func TestLeanClientHonoursConnectionClose(t *testing.T) {
	inner := streamServer(t).Config.Handler
	srv := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		inner.ServeHTTP(w, r)
	}))
	p, _ := prepareFor(t, srv.URL, nil)
	runOK(t, p, 3)
	if n := srv.opened.Load(); n != 3 {
		t.Fatalf("3 streams answered with Connection: close used %d connections, want 3", n)
	}
}

func TestLeanClientSkipsInformationalResponses(t *testing.T) {
	inner := streamServer(t).Config.Handler
	srv := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		inner.ServeHTTP(w, r)
	}))
	p, reg := prepareFor(t, srv.URL, nil)
	runOK(t, p, 2)
	if got := gathered(t, reg)["ssebench_stream_events_total"]; got != 12 {
		t.Fatalf("%v events after two streams behind 103 Early Hints, want 12", got)
	}
}

func TestLeanClientTimesOutAStalledStream(t *testing.T) {
	srv := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices the client leaving only once the body is read
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		select { // a stream that stalls after its head
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}))
	reg := prometheus.NewRegistry()
	p, err := prepare(Options{Target: srv.URL, Registry: reg,
		Scenario: ConstantVUs{VUs: 1, Duration: time.Second}, RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.closeIdle)
	start := time.Now()
	if !p.it.run(context.Background(), start, noArrival) {
		t.Fatal("a timed-out request was reported as an interruption")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the 300ms request timeout took %v to act", took)
	}
	if p.col.requests.Load() != 1 || p.col.failedReqs.Load() != 1 || p.col.incomplete.Load() != 1 {
		t.Fatalf("%d requests, %d failed, %d incomplete: want the stalled stream counted, failed and incomplete",
			p.col.requests.Load(), p.col.failedReqs.Load(), p.col.incomplete.Load())
	}
}

// TestLeanRequestIsWhatNetHTTPSends captures the bytes net/http's transport writes for the
// run's request and compares them with the lean client's.
func TestLeanRequestIsWhatNetHTTPSends(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p, _ := prepareFor(t, "http://"+l.Addr().String(), http.Header{"X-Stub-Tokens": {"7"}})
	want := p.it.lean.request
	var got []byte
	var wg sync.WaitGroup
	wg.Go(func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, _ = io.ReadAll(io.LimitReader(conn, int64(len(want))))
	})
	p.it.lean = nil // the net/http path
	p.it.run(context.Background(), time.Now(), noArrival)
	wg.Wait()
	if !bytes.Equal(got, want) {
		t.Fatalf("net/http sent\n%q\nthe lean client sends\n%q", got, want)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestLeanClientReusesAConnectionIdleBeyondItsLastDeadline: the deadline of the previous
// request passing while a connection is idle must not make it look closed.
func TestLeanClientReusesAConnectionIdleBeyondItsLastDeadline(t *testing.T) {
	srv := newCountedServer(t, streamServer(t).Config.Handler)
	p, err := prepare(Options{Target: srv.URL, Registry: prometheus.NewRegistry(),
		Scenario: ConstantVUs{VUs: 1, Duration: time.Second}, RequestTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.closeIdle)
	runOK(t, p, 1)
	time.Sleep(300 * time.Millisecond) // idle past the first request's deadline
	runOK(t, p, 1)
	if n := srv.opened.Load(); n != 1 {
		t.Fatalf("%d connections opened, want the idle one reused", n)
	}
}

// shortThenLongServer streams 5 events to every request but the second, which gets 100 events
// 20 ms apart (2 s): long enough to be interrupted.
func shortThenLongServer(t *testing.T) *countedServer {
	inner := streamServer(t).Config.Handler
	var n atomic.Int64
	return newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 {
			r.Header.Set("X-Test-Events", "100")
			r.Header.Set("X-Test-Gap", "20ms")
		}
		inner.ServeHTTP(w, r)
	}))
}

// TestLeanClientInterruptsThroughAKeptWatch: a VU's context keeps watching its connection
// between iterations; cancelling it must still cut the VU's next stream at once.
func TestLeanClientInterruptsThroughAKeptWatch(t *testing.T) {
	srv := shortThenLongServer(t)
	p, _ := prepareFor(t, srv.URL, nil)
	vu, cancel := context.WithCancel(context.Background())
	defer cancel()
	if !p.it.run(vu, time.Now(), noArrival) {
		t.Fatal("the first stream reported itself interrupted")
	}
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	if p.it.run(vu, start, noArrival) {
		t.Fatal("a stream whose VU context was cancelled reported itself complete")
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Fatalf("the interrupt took %v to cut a 2 s stream", took)
	}
	runOK(t, p, 1)
	if n := srv.opened.Load(); n != 2 || p.col.requests.Load() != 2 {
		t.Fatalf("%d connections, %d requests: want the interrupted connection replaced and 2 requests counted", n, p.col.requests.Load())
	}
}

// TestLeanClientDropsAConnectionWatchedByACancelledContext: once the context watching an
// idle connection is cancelled, the connection may be cut at any moment: it is not reused.
func TestLeanClientDropsAConnectionWatchedByACancelledContext(t *testing.T) {
	srv := newCountedServer(t, streamServer(t).Config.Handler)
	p, _ := prepareFor(t, srv.URL, nil)
	vu, cancel := context.WithCancel(context.Background())
	if !p.it.run(vu, time.Now(), noArrival) {
		t.Fatal("the first stream reported itself interrupted")
	}
	cancel()
	runOK(t, p, 2)
	if n := srv.opened.Load(); n != 2 {
		t.Fatalf("%d connections opened, want 2: the one watched by the cancelled context dropped", n)
	}
}
