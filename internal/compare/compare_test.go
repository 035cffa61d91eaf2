package compare

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/stats"
)

// synthetic is a load run with a known distribution, pushed by remote-write under the load
// generator's metric names: each second draws a request rate from N(rate, 5 %) and spreads
// those requests over the second, each lasting 80 ms × lognormal(0, 0.1).
type synthetic struct {
	testid string
	rate   float64
	seed   uint64
}

const syntheticSeconds = 14

func (s synthetic) push(t *testing.T, writeURL string) {
	reg := prometheus.NewRegistry()
	labels := prometheus.Labels{"testid": s.testid, "server": "go-http", "scenario": "baseline"}
	reqs := prometheus.NewCounter(prometheus.CounterOpts{Name: "k6_http_reqs_total", Help: "h", ConstLabels: merge(labels, "status", "200")})
	iters := prometheus.NewCounter(prometheus.CounterOpts{Name: "k6_iterations_total", Help: "h", ConstLabels: labels})
	failed := prometheus.NewCounter(prometheus.CounterOpts{Name: "ssebench_iterations_failed_total", Help: "h", ConstLabels: labels})
	elapsed := prometheus.NewGauge(prometheus.GaugeOpts{Name: "ssebench_load_elapsed_seconds", Help: "h", ConstLabels: labels})
	vus := prometheus.NewGauge(prometheus.GaugeOpts{Name: "k6_vus", Help: "h", ConstLabels: labels})
	vusMax := prometheus.NewGauge(prometheus.GaugeOpts{Name: "k6_vus_max", Help: "h", ConstLabels: labels})
	dur := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "k6_http_req_duration_seconds", Help: "h", ConstLabels: merge(labels, "status", "200"),
		NativeHistogramBucketFactor: 1.0219, NativeHistogramZeroThreshold: 1e-6})
	reg.MustRegister(reqs, iters, failed, elapsed, vus, vusMax, dur)
	vus.Set(10)
	vusMax.Set(10)
	p, err := remotewrite.New(remotewrite.Config{URL: writeURL, Interval: time.Second}, reg)
	if err != nil {
		t.Error(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p.Start(ctx)
	// The counter follows the drawn rates as a function of wall-clock time, so a goroutine
	// starved on a loaded machine catches up instead of lowering the realized rate.
	rng := rand.New(rand.NewPCG(s.seed, 1))
	rates := make([]float64, syntheticSeconds)
	for i := range rates {
		rates[i] = s.rate * (1 + 0.05*rng.NormFloat64())
	}
	expected := func(e time.Duration) float64 {
		sec := e.Seconds()
		total := 0.0
		for i := 0; i < len(rates) && float64(i) < sec; i++ {
			total += rates[i] * min(1, sec-float64(i))
		}
		return total
	}
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	done := 0.0
	for e := time.Duration(0); e < syntheticSeconds*time.Second; e = time.Since(start) {
		<-tick.C
		for ; done+1 <= expected(time.Since(start)); done++ {
			reqs.Inc()
			iters.Inc()
			dur.Observe(0.080 * math.Exp(0.1*rng.NormFloat64()))
		}
		elapsed.Set(time.Since(start).Seconds())
	}
	if _, err := p.Stop(ctx); err != nil {
		t.Errorf("pushing %s: %v", s.testid, err)
	}
}

func merge(l prometheus.Labels, k, v string) prometheus.Labels {
	out := prometheus.Labels{k: v}
	for a, b := range l {
		out[a] = b
	}
	return out
}

// startProm starts the pinned Prometheus for the test, stopped when it ends.
func startProm(ctx context.Context, t *testing.T) *promrun.Server {
	t.Helper()
	prom, err := promrun.Start(ctx, promrun.Options{Binary: promrun.RequireBinary(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = prom.Stop(context.Background()) })
	return prom
}

func TestKnownDifferencesAreJudgedCorrectly(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes 14 s of synthetic load runs into a real Prometheus")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	prom := startProm(ctx, t)

	// Three trials per run: the run-to-run spread is what the interval is built from.
	var runs []synthetic
	for i, r := range []synthetic{{"base", 100, 1}, {"slower", 80, 2}, {"same", 100, 3}} {
		for trial := 1; trial <= 3; trial++ {
			runs = append(runs, synthetic{run.TrialTestID(r.testid, trial, 3), r.rate, uint64(10*i + trial)})
		}
	}
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Go(func() { r.push(t, prom.RemoteWriteURL()) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	q, err := run.NewQuerier(prom.URL())
	if err != nil {
		t.Fatal(err)
	}
	compare := func(cand string) Cell {
		rep, err := Compare(ctx, Options{Querier: q, Candidate: cand, Baseline: []string{"base"}, Lookback: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 1 || len(rep.Rows[0].Cells) != len(catalog.ResultsColumns) {
			t.Fatalf("want one row of %d cells, got %+v", len(catalog.ResultsColumns), rep.Rows)
		}
		var text strings.Builder
		if err := rep.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%s", text.String())
		return rep.Rows[0].Cells[0]
	}

	drop := compare("slower")
	if drop.Column != catalog.ResultsReqPerSecond.Name {
		t.Fatalf("first cell is %s", drop.Column)
	}
	if !drop.Significant || !drop.Worse() || drop.Delta > -0.15 || drop.Delta < -0.25 {
		t.Errorf("a 20 %% throughput drop: want a significant delta near -20 %%, got %+v", drop)
	}
	if !drop.Regression(0.05) || drop.Regression(0.30) {
		t.Errorf("threshold: a -20 %% drop must exceed 5 %% and not 30 %%: %+v", drop)
	}
	if drop.Trials != [2]int{3, 3} || drop.Method != stats.DiffWelch {
		t.Errorf("want 3 trials a side judged by Welch's t, got %v %q", drop.Trials, drop.Method)
	}
	if !(drop.CILow <= drop.Delta && drop.Delta <= drop.CIHigh) {
		t.Errorf("the interval must contain its point: %+v", drop)
	}

	same := compare("same")
	if same.Significant || math.Abs(same.Delta) > 0.05 || !(same.CILow < 0 && same.CIHigh > 0) {
		t.Errorf("identical distributions: want a non-significant delta whose interval holds 0, got %+v", same)
	}
}
