package remotewrite

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/promrun"
)

// schema5Factor makes client_golang pick native histogram schema 5: buckets
// grow by 2^(2^-5) ≈ 1.0219, so a quantile is off by at most ≈ 2.19 %.
const schema5Factor = 1.022

var schema5Error = math.Pow(2, math.Pow(2, -5)) - 1

func startPrometheus(t *testing.T, opts promrun.Options) *promrun.Server {
	t.Helper()
	opts.Binary = promrun.RequireBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := promrun.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

func queryScalar(t *testing.T, c *promrun.Client, expr string, at time.Time) (float64, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vec, err := c.QueryVector(ctx, expr, at)
	if err != nil {
		t.Fatal(err)
	}
	switch len(vec) {
	case 0:
		return 0, false
	case 1:
		return float64(vec[0].Value), true
	}
	t.Fatalf("%s: want one series, got %v", expr, vec)
	return 0, false
}

func mustQuery(t *testing.T, c *promrun.Client, expr string, at time.Time) float64 {
	t.Helper()
	v, ok := queryScalar(t, c, expr, at)
	if !ok {
		t.Fatalf("%s at %v: no result", expr, at)
	}
	return v
}

// exactQuantile is the value at rank ceil(q·n), the definition a histogram
// quantile approximates.
func exactQuantile(sorted []float64, q float64) float64 {
	return sorted[int(math.Ceil(q*float64(len(sorted))))-1]
}

func TestPushToRealPrometheus(t *testing.T) { pushToRealPrometheus(t, ProtocolV2) }

// TestPushToRealPrometheusV1 is the same push as Remote-Write 1.0: native histograms and all.
func TestPushToRealPrometheusV1(t *testing.T) { pushToRealPrometheus(t, ProtocolV1) }

func pushToRealPrometheus(t *testing.T, protocol string) {
	prom := startPrometheus(t, promrun.Options{})
	reg := prometheus.NewPedanticRegistry()
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rwtest_requests_total", Help: "Requests."}, []string{"server"})
	vus := prometheus.NewGauge(prometheus.GaugeOpts{Name: "rwtest_vus", Help: "Virtual users."})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "rwtest_duration_seconds", Help: "Durations.",
		NativeHistogramBucketFactor: schema5Factor,
		Buckets:                     []float64{0.1, 1}, // classic buckets too: they must be ignored
	}, []string{"server"})
	reg.MustRegister(reqs, vus, dur)
	dur.WithLabelValues("idle") // a native histogram with no observations yet

	p, err := New(Config{URL: prom.RemoteWriteURL(), Interval: 200 * time.Millisecond, UserAgent: "ssebench/test", Protocol: protocol}, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.Start(ctx)

	rng := rand.New(rand.NewPCG(1, 2))
	var observed []float64
	for i := range 300 {
		v := math.Exp(rng.NormFloat64()*0.8 - 2) // lognormal around 135 ms
		observed = append(observed, v)
		dur.WithLabelValues("go-http").Observe(v)
		reqs.WithLabelValues("go-http").Inc()
		if i%3 == 0 {
			reqs.WithLabelValues("bun").Inc()
		}
		vus.Set(float64(i % 17))
		time.Sleep(5 * time.Millisecond) // spread the load over several pushes
	}
	c := prom.Client()
	during := time.Now()
	waitUntil(t, func() bool {
		v, ok := queryScalar(t, c, `rwtest_requests_total{server="go-http"}`, time.Now())
		return ok && v > 0
	})

	stopCtx, stopCancel := context.WithTimeout(context.Background(), time.Minute)
	defer stopCancel()
	stats, err := p.Stop(stopCtx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.SamplesDropped != 0 || stats.RequestsFailed != 0 || stats.HistogramsSent == 0 {
		t.Fatalf("stats = %+v", stats)
	}
	after := time.Now().Add(time.Second)

	// Range selections skip stale markers, so last_over_time reads the final values.
	last := func(sel string) string { return "last_over_time(" + sel + "[5m])" }
	if got := mustQuery(t, c, last(`rwtest_requests_total{server="go-http"}`), after); got != 300 {
		t.Errorf("go-http counter = %v, want 300", got)
	}
	if got := mustQuery(t, c, last(`rwtest_requests_total{server="bun"}`), after); got != 100 {
		t.Errorf("bun counter = %v, want 100", got)
	}
	if got := mustQuery(t, c, last(`rwtest_vus`), after); got != float64(299%17) {
		t.Errorf("gauge = %v, want %d", got, 299%17)
	}

	h := last(`rwtest_duration_seconds{server="go-http"}`)
	if got := mustQuery(t, c, "histogram_count("+h+")", after); got != 300 {
		t.Errorf("histogram_count = %v, want 300", got)
	}
	var sum float64
	for _, v := range observed {
		sum += v
	}
	if got := mustQuery(t, c, "histogram_sum("+h+")", after); math.Abs(got-sum) > 1e-9*sum {
		t.Errorf("histogram_sum = %v, want %v", got, sum)
	}
	slices.Sort(observed)
	exact := exactQuantile(observed, 0.95)
	got := mustQuery(t, c, "histogram_quantile(0.95, "+h+")", after)
	if rel := math.Abs(got-exact) / exact; rel > schema5Error {
		t.Errorf("p95 = %v, exact %v: relative error %.4f above schema 5's %.4f", got, exact, rel, schema5Error)
	}
	t.Logf("Remote-Write %s: p95 from Prometheus %.5f s, exact %.5f s (%.2f %%)", protocol, got, exact, 100*(got-exact)/exact)
	if got := mustQuery(t, c, "histogram_count("+last(`rwtest_duration_seconds{server="idle"}`)+")", after); got != 0 {
		t.Errorf("idle histogram count = %v, want 0", got)
	}
	if n, ok := queryScalar(t, c, `count({__name__=~"rwtest_duration_seconds_(bucket|count|sum)"})`, during); ok {
		t.Errorf("classic series of a native histogram were pushed (%v series)", n)
	}

	// After Stop every series carries a stale marker: instant queries find nothing.
	for _, sel := range []string{`rwtest_requests_total`, `rwtest_vus`, `rwtest_duration_seconds`} {
		if v, ok := queryScalar(t, c, "count("+sel+")", during); !ok || v == 0 {
			t.Errorf("%s absent while pushing", sel)
		}
		if v, ok := queryScalar(t, c, "count("+sel+")", after); ok {
			t.Errorf("%s not stale after Stop: %v series", sel, v)
		}
	}
}

// TestPrometheusOutageLosesNothing is issue 3's outage test: Prometheus is down
// for 10 s in the middle of ~20 s of pushing; afterwards it holds every sample.
func TestPrometheusOutageLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("outage test takes about 30 s")
	}
	prom := startPrometheus(t, promrun.Options{DataDir: t.TempDir()})
	reg := prometheus.NewRegistry()
	streams := prometheus.NewCounter(prometheus.CounterOpts{Name: "rwtest_outage_streams_total", Help: "Streams."})
	reg.MustRegister(streams)

	p, err := New(Config{URL: prom.RemoteWriteURL(), Interval: 500 * time.Millisecond, MaxRetryDelay: 2 * time.Second}, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.Start(ctx)

	var total float64
	increment := func(d time.Duration) {
		for end := time.Now().Add(d); time.Now().Before(end); {
			streams.Inc()
			total++
			time.Sleep(10 * time.Millisecond)
		}
	}
	outage := make(chan error, 1)
	increment(5 * time.Second)
	go func() {
		rctx, rcancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer rcancel()
		outage <- prom.RestartAfter(rctx, 10*time.Second)
	}()
	increment(15 * time.Second)
	if err := <-outage; err != nil {
		t.Fatal(err)
	}
	increment(time.Second)

	stopCtx, stopCancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer stopCancel()
	stats, err := p.Stop(stopCtx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stats after outage: %+v", stats)
	if stats.SamplesDropped != 0 {
		t.Fatalf("SamplesDropped = %d, want 0", stats.SamplesDropped)
	}
	if stats.Retries == 0 {
		t.Fatal("no retries: the outage did not happen")
	}
	c := prom.Client()
	at := time.Now().Add(time.Second)
	if got := mustQuery(t, c, `last_over_time(rwtest_outage_streams_total[10m])`, at); got != total {
		t.Fatalf("Prometheus says %v streams, the process counted %v", got, total)
	}
	// One series: every float sample sent but the stale marker is a stored point.
	if got := mustQuery(t, c, `count_over_time(rwtest_outage_streams_total[10m])`, at); got != float64(stats.SamplesSent-1) {
		t.Fatalf("Prometheus stored %v points, %d were sent before the stale marker", got, stats.SamplesSent-1)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
