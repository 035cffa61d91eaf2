package remotewrite

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"
)

// receiver is an httptest remote-write endpoint that decodes what it gets and
// answers with the status respond picks for each attempt (1-based).
type receiver struct {
	t       *testing.T
	respond func(attempt int64) int
	block   chan struct{} // when non-nil, requests wait for it to close

	attempts atomic.Int64
	mu       sync.Mutex
	accepted []*writev2.Request
	headers  []http.Header
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := rc.attempts.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if rc.block != nil {
		select {
		case <-rc.block:
		case <-r.Context().Done():
			return
		}
	}
	status := http.StatusNoContent
	if rc.respond != nil {
		status = rc.respond(n)
	}
	if status/100 != 2 {
		http.Error(w, "receiver says no ("+http.StatusText(status)+")", status)
		return
	}
	req := decodeRequest(rc.t, body)
	rc.mu.Lock()
	rc.accepted = append(rc.accepted, req)
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.mu.Unlock()
	// Remote-Write 2.0 receivers confirm what they stored.
	samples, histograms := 0, 0
	for _, ts := range req.Timeseries {
		samples += len(ts.Samples)
		histograms += len(ts.Histograms)
	}
	w.Header().Set("X-Prometheus-Remote-Write-Samples-Written", strconv.Itoa(samples))
	w.Header().Set("X-Prometheus-Remote-Write-Histograms-Written", strconv.Itoa(histograms))
	w.WriteHeader(status)
}

func decodeRequest(t *testing.T, body []byte) *writev2.Request {
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		t.Errorf("body is not snappy: %v", err)
		return &writev2.Request{}
	}
	var req writev2.Request
	if err := proto.Unmarshal(raw, &req); err != nil {
		t.Errorf("body is not a writev2.Request: %v", err)
	}
	return &req
}

func (rc *receiver) snapshot() ([]*writev2.Request, []http.Header) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.accepted), slices.Clone(rc.headers)
}

// twoSeries is a registry whose every gather yields exactly two float samples.
func twoSeries() (*prometheus.Registry, prometheus.Counter) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "rwtest_events_total", Help: "Events."})
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "rwtest_level", Help: "Level."})
	reg.MustRegister(c, g)
	return reg, c
}

func stopWithin(t *testing.T, p *Pusher, d time.Duration) (Stats, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return p.Stop(ctx)
}

func TestRejectedRequestsAreDroppedCountedAndReported(t *testing.T) {
	rc := &receiver{t: t, respond: func(int64) int { return http.StatusBadRequest }}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	reg, _ := twoSeries()
	p, err := New(Config{URL: srv.URL, Interval: 20 * time.Millisecond, MaxRetryDelay: 10 * time.Millisecond}, reg)
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	waitUntil(t, func() bool { return p.Stats().RequestsFailed >= 3 })
	stats, err := stopWithin(t, p, 30*time.Second)

	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "receiver says no") {
		t.Fatalf("Stop error = %v, want the 400 and the server's message", err)
	}
	if stats.Retries != 0 {
		t.Errorf("a 400 was retried %d times", stats.Retries)
	}
	if stats.RequestsFailed != rc.attempts.Load() {
		t.Errorf("RequestsFailed = %d, attempts = %d: each rejected request is one failure", stats.RequestsFailed, rc.attempts.Load())
	}
	// Every request holds two samples, the stale-marker request too.
	if stats.SamplesDropped != 2*stats.RequestsFailed || stats.SamplesSent != 0 {
		t.Errorf("stats = %+v, want every sample dropped", stats)
	}
}

func TestThrottledAndUnavailableAreRetriedUntilAccepted(t *testing.T) {
	// Fail the first four attempts with 503, 429, 503, 429, then accept everything.
	rc := &receiver{t: t, respond: func(n int64) int {
		switch {
		case n > 4:
			return http.StatusNoContent
		case n%2 == 1:
			return http.StatusServiceUnavailable
		default:
			return http.StatusTooManyRequests
		}
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	reg, events := twoSeries()
	events.Add(7)
	p, err := New(Config{URL: srv.URL, Interval: time.Hour, MaxRetryDelay: 20 * time.Millisecond, UserAgent: "ssebench/test"}, reg)
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	stats, err := stopWithin(t, p, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// One gather at Start, one at Stop, one stale-marker request: 3 requests, 4 retries.
	if stats.Retries != 4 || rc.attempts.Load() != 7 {
		t.Errorf("retries = %d, attempts = %d; want 4 and 7", stats.Retries, rc.attempts.Load())
	}
	if stats.SamplesDropped != 0 || stats.RequestsFailed != 0 || stats.SamplesSent != 6 {
		t.Errorf("stats = %+v, want 6 samples sent and none dropped", stats)
	}
	reqs, headers := rc.snapshot()
	if len(reqs) != 3 {
		t.Fatalf("accepted %d requests, want 3", len(reqs))
	}
	for _, h := range headers {
		if h.Get("User-Agent") != "ssebench/test" || h.Get("X-Prometheus-Remote-Write-Version") != "2.0.0" ||
			h.Get("Content-Encoding") != "snappy" || !strings.Contains(h.Get("Content-Type"), "io.prometheus.write.v2.Request") {
			t.Errorf("request headers = %v", h)
		}
	}
	// Requests arrive in order, and only the last one ends both series.
	for i, req := range reqs {
		if i > 0 && req.Timeseries[0].Samples[0].Timestamp <= reqs[i-1].Timeseries[0].Samples[0].Timestamp {
			t.Errorf("request %d is not newer than the one before", i)
		}
		for _, ts := range req.Timeseries {
			if stale := isStale(ts.Samples[0].Value); stale != (i == len(reqs)-1) {
				t.Errorf("request %d: stale marker = %v", i, stale)
			}
		}
	}
}

func TestFullQueueDropsTheOldestAndCounts(t *testing.T) {
	rc := &receiver{t: t, block: make(chan struct{})}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	reg, _ := twoSeries()
	p, err := New(Config{URL: srv.URL, Interval: 10 * time.Millisecond, QueueCapacity: 3, Timeout: time.Minute}, reg)
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	// The first request hangs in the receiver; behind it the queue fills and overflows.
	waitUntil(t, func() bool { return p.Stats().RequestsFailed >= 5 })
	close(rc.block)
	stats, err := stopWithin(t, p, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "queue full") {
		t.Fatalf("Stop error = %v, want a queue-full report", err)
	}
	reqs, _ := rc.snapshot()
	if stats.SamplesDropped != 2*stats.RequestsFailed {
		t.Errorf("stats = %+v: each evicted request holds two samples", stats)
	}
	if int64(len(reqs)) != stats.SamplesSent/2 {
		t.Errorf("received %d requests, stats say %d samples sent", len(reqs), stats.SamplesSent)
	}
	// Received: the request that was in flight, then the newest ones. The
	// oldest queued ones were evicted, so there is a gap after the first.
	gap := reqs[1].Timeseries[0].Samples[0].Timestamp - reqs[0].Timeseries[0].Samples[0].Timestamp
	if gap < 5*10 {
		t.Errorf("only %d ms between the in-flight request and the next delivered one: oldest not dropped", gap)
	}
	if last := reqs[len(reqs)-1].Timeseries[0].Samples[0]; !isStale(last.Value) {
		t.Errorf("the stale-marker request was evicted; last value %v", last.Value)
	}
}

func TestStopBeforeDeadlineCountsUndelivered(t *testing.T) {
	rc := &receiver{t: t, respond: func(int64) int { return http.StatusServiceUnavailable }}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	reg, _ := twoSeries()
	p, err := New(Config{URL: srv.URL, Interval: time.Hour, MaxRetryDelay: 10 * time.Millisecond}, reg)
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	stats, err := stopWithin(t, p, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("Stop error = %v, want undelivered samples reported", err)
	}
	// Three requests (start, final gather, stale markers) of two samples each.
	if stats.SamplesDropped != 6 || stats.RequestsFailed != 3 || stats.Retries == 0 {
		t.Errorf("stats = %+v", stats)
	}
}

func TestStopWithoutStartIsANoOp(t *testing.T) {
	reg, _ := twoSeries()
	p, err := New(Config{URL: "http://127.0.0.1:1/api/v1/write"}, reg)
	if err != nil {
		t.Fatal(err)
	}
	if stats, err := stopWithin(t, p, time.Second); err != nil || stats != (Stats{}) {
		t.Fatalf("Stop before Start = %+v, %v", stats, err)
	}
	p.Start(context.Background()) // after Stop: must not start goroutines that nobody stops
	if stats, err := stopWithin(t, p, time.Second); err != nil || stats != (Stats{}) {
		t.Fatalf("second Stop = %+v, %v", stats, err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	reg, _ := twoSeries()
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "URL is empty"},
		{Config{URL: "127.0.0.1:9090/api/v1/write"}, "absolute http"},
		{Config{URL: "ftp://host/x"}, "absolute http"},
		{Config{URL: "http://h/x", Interval: -time.Second}, "Interval is negative"},
		{Config{URL: "http://h/x", QueueCapacity: -1}, "QueueCapacity is negative"},
	} {
		if _, err := New(tc.cfg, reg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) error = %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := New(Config{URL: "http://h/x"}, nil); err == nil {
		t.Error("New with a nil Gatherer: want an error")
	}
	p, err := New(Config{URL: "http://h/x"}, reg)
	if err != nil {
		t.Fatal(err)
	}
	if p.cfg.QueueCapacity < 180 || p.cfg.Interval != time.Second || p.cfg.Timeout != 5*time.Second ||
		p.cfg.MaxRetryDelay != 5*time.Second || !strings.HasPrefix(p.cfg.UserAgent, "ssebench/") {
		t.Errorf("defaults = %+v", p.cfg)
	}
}

func isStale(v float64) bool { return math.Float64bits(v) == math.Float64bits(staleNaN) }
