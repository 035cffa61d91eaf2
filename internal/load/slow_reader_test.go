package load

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/stub"
)

// smallSendBuffers accepts connections whose send buffer is small and fixed, so that a
// server's writes block as soon as the client stops reading, instead of filling megabytes of
// an autotuned loopback buffer.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		err = c.(*net.TCPConn).SetWriteBuffer(4096)
	}
	return c, err
}

// floodServer sends the slow readers a stream of 4 MB as fast as they let it, counting what
// its writes got rid of; the well-behaved clients get a short stream.
func floodServer(t *testing.T, written *atomic.Int64, wellBehaved *atomic.Int64) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		flusher := w.(http.Flusher)
		if r.UserAgent() != userAgentSlowReader {
			wellBehaved.Add(1)
			fmt.Fprint(w, "data: {\"i\":0}\n\ndata: {\"i\":1}\n\ndata: {\"i\":2}\n\ndata: [DONE]\n\n")
			return
		}
		event := []byte("data: " + strings.Repeat("x", 1018) + "\n\n") // 1 KiB
		for range 4096 {
			if _, err := w.Write(event); err != nil {
				return
			}
			flusher.Flush()
			written.Add(int64(len(event)))
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// A slow reader reads its socket at its rate: the server's writes block, and what it got rid
// of over the run is about the rate times the run plus the buffers between them.
func TestSlowReaderReadsAtItsRate(t *testing.T) {
	var written, wellBehaved atomic.Int64
	srv := floodServer(t, &written, &wellBehaved)
	reg := prometheus.NewRegistry()
	const rate, length = 32 << 10, 1500 * time.Millisecond
	var mu sync.Mutex
	readingDuring := -1.0
	sum, err := Run(context.Background(), Options{Target: srv.URL, TestID: "t1", Server: "s1", ScenarioName: "slow",
		Scenario: ConstantVUs{VUs: 1, Duration: length, GracefulStop: 5 * time.Second},
		Clients:  Clients{SlowReaders: &SlowReaders{Count: 1, BytesPerSecond: rate, ReceiveBuffer: 4096}},
		Registry: reg,
		Progress: func(p Progress) {
			if p.Elapsed < length { // the reports of the run's first second, not the last one
				mu.Lock()
				readingDuring = max(readingDuring, gathered(t, reg)[metricname.SlowReaders])
				mu.Unlock()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	got := float64(written.Load())
	want := rate * length.Seconds()
	// Below: the buffers on the way (the server's 4 KiB send buffer, doubled by Linux, the
	// reader's receive buffer, the server's own 4 KiB writer, one read ahead of the pace).
	if got < want/2 || got > want+128<<10 {
		t.Errorf("the server got rid of %.0f bytes in %v, want about %.0f (%d bytes/s)", got, length, want, rate)
	}
	g := gathered(t, reg)
	if r := sum.SlowReaders; r == nil || r.Unfinished != 1 || r.Done+r.Cut+r.Failed != 0 ||
		g[metricname.SlowReaderStreams+`{outcome="unfinished"}`] != 1 {
		t.Errorf("slow readers %+v, series %v: want one stream, unfinished when the scenario ended", sum.SlowReaders, g)
	}
	mu.Lock()
	defer mu.Unlock()
	if readingDuring != 1 || g[metricname.SlowReaders] != 0 {
		t.Errorf("%s read %v during the run and %v after it, want 1 and 0", metricname.SlowReaders, readingDuring, g[metricname.SlowReaders])
	}
	// None of it in the well-behaved clients' series.
	if n := wellBehaved.Load(); n == 0 || sum.Requests != n || g["k6_iterations_total"] != float64(n) ||
		g["ssebench_stream_events_total"] != float64(4*n) || sum.DataReceived > n*1024 {
		t.Errorf("the server saw %d well-behaved requests; summary %d requests, %d bytes; series %v", n, sum.Requests, sum.DataReceived, g)
	}
}

// Each slow reader's stream ends one way, counted by its outcome: done against the real stub,
// cut by a server that drops the connection, failed on a status 500.
func TestSlowReaderOutcomes(t *testing.T) {
	stubHandler, err := stub.NewHandler(stub.DefaultConfig(), prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	realStub := httptest.NewServer(stubHandler)
	t.Cleanup(realStub.Close)
	fake := streamServer(t)
	for _, c := range []struct {
		name, target string
		headers      http.Header
		outcome      string
	}{
		{"done", realStub.URL, StreamShape{Tokens: 4, TokenSize: 1024}.Headers(), OutcomeDone},
		{"cut", fake.URL, http.Header{"X-Test-Mode": {"drop"}, "X-Test-Events": {"6"}}, OutcomeCut},
		{"failed", fake.URL, http.Header{"X-Test-Mode": {"status500"}}, OutcomeFailed},
	} {
		t.Run(c.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			sum, err := Run(context.Background(), Options{Target: c.target, Headers: c.headers, Registry: reg,
				Scenario: ConstantVUs{VUs: 1, Duration: 400 * time.Millisecond, GracefulStop: 5 * time.Second},
				Clients:  Clients{SlowReaders: &SlowReaders{Count: 2, BytesPerSecond: 1 << 20}}})
			if err != nil {
				t.Fatal(err)
			}
			r := sum.SlowReaders
			counts := map[string]int64{OutcomeDone: r.Done, OutcomeCut: r.Cut, OutcomeFailed: r.Failed, OutcomeUnfinished: r.Unfinished}
			g := gathered(t, reg)
			for _, o := range slowOutcomes {
				if series := g[metricname.SlowReaderStreams+`{outcome="`+o+`"}`]; series != float64(counts[o]) {
					t.Errorf("%s: series %v, summary %d", o, series, counts[o])
				}
				if o != c.outcome && o != OutcomeUnfinished && counts[o] != 0 {
					t.Errorf("%d streams %s, want none (first error %q)", counts[o], o, r.FirstError)
				}
			}
			if counts[c.outcome] < 2 || r.Unfinished > 2 {
				t.Errorf("slow readers %+v: want several streams %s, at most one unfinished each", r, c.outcome)
			}
			if cut := g[metricname.SlowReaderCutAfter]; cut != float64(r.Cut) || r.CutAfter.Count != r.Cut || (r.Cut > 0 && r.CutAfter.Med <= 0) {
				t.Errorf("cut after: %v observed, summary %+v, want one per cut stream (%d)", cut, r.CutAfter, r.Cut)
			}
			if c.outcome == OutcomeFailed && !strings.Contains(r.FirstError, "status 500") {
				t.Errorf("first error %q, want the status", r.FirstError)
			}
			var text bytes.Buffer
			if err := sum.WriteText(&text); err != nil || !strings.Contains(text.String(), fmt.Sprintf("slow readers: %d done, %d cut (p50 cut after ", r.Done, r.Cut)) {
				t.Errorf("summary text lacks the slow readers' line:\n%s", text.String())
			}
		})
	}
}

func TestPacedConnHoldsItsRate(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	go func() {
		defer server.Close()
		_, _ = server.Write(make([]byte, 8<<10))
	}()
	const rate = 64 << 10 // 8 KiB in 125 ms
	p := &pacedConn{Conn: client, ctx: context.Background(), rate: rate, start: time.Now()}
	buf := make([]byte, 4096)
	total, reads := 0, 0
	for range 100 {
		n, err := p.Read(buf)
		if n > slowReadChunk {
			t.Fatalf("read %d bytes at once, want at most %d", n, slowReadChunk)
		}
		total, reads = total+n, reads+1
		if err != nil || total == 8<<10 {
			break
		}
	}
	if elapsed := time.Since(p.start); total != 8<<10 || elapsed < 120*time.Millisecond {
		t.Errorf("read %d bytes in %d reads and %v, want 8 KiB in 125 ms at least", total, reads, elapsed)
	}
}
