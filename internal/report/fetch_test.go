package report

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/runinfo"
	"github.com/ssebench/ssebench/internal/servers"
)

// fakeRun is not a mock of anything: it is a real load run's metric shape, written by the
// project's remote-write pusher into a real Prometheus, so every catalog query the report
// uses is evaluated for real. Server "fast" serves twice the requests of "slow", uses less
// CPU and more memory.
type fakeRun struct {
	reqs, iters, failed, cpu *prometheus.CounterVec
	vus, vusMax, elapsed     *prometheus.GaugeVec
	memMax                   *prometheus.GaugeVec
	dur, ttft                *prometheus.HistogramVec
}

func newFakeRun(reg *prometheus.Registry, testid string) *fakeRun {
	load := []string{"server", "scenario"}
	run := prometheus.Labels{"testid": testid}
	f := &fakeRun{
		reqs:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "k6_http_reqs_total", Help: "Requests.", ConstLabels: run}, load),
		iters:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "k6_iterations_total", Help: "Iterations.", ConstLabels: run}, load),
		failed:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ssebench_iterations_failed_total", Help: "Failed.", ConstLabels: run}, load),
		vus:     prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "k6_vus", Help: "VUs.", ConstLabels: run}, load),
		vusMax:  prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "k6_vus_max", Help: "VUs max.", ConstLabels: run}, load),
		elapsed: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ssebench_load_elapsed_seconds", Help: "Elapsed.", ConstLabels: run}, load),
		dur: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "k6_http_req_duration_seconds", Help: "Duration.",
			ConstLabels: run, NativeHistogramBucketFactor: 1.022}, load),
		ttft: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ssebench_time_to_first_token_seconds", Help: "TTFT.",
			ConstLabels: run, NativeHistogramBucketFactor: 1.022}, load),
		cpu:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ssebench_process_cpu_seconds_total", Help: "CPU."}, []string{"server"}),
		memMax: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ssebench_process_resident_memory_peak_bytes", Help: "Peak RSS."}, []string{"server"}),
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{Name: "ssebench_run_info", Help: "Run info.", ConstLabels: prometheus.Labels{
		"testid": testid, "cpu_model": "Test CPU", "cpus": "2", "memory_bytes": "25769803776", "os": "Debian", "kernel": "6.1",
		"go_version": "go1.26.8", "bun_version": "unknown", "rust_version": "unknown", "git_commit": "abc1234"}})
	info.Set(1)
	// Each server's runtime, as ssebench run pushes it from servers.yaml: one runtime each.
	reg.MustRegister(runinfo.ServersCollector(testid, []servers.Info{{Name: "fast", Runtime: "fastlang", Framework: "x"}, {Name: "slow", Runtime: "slowlang", Framework: "y"}}))
	reg.MustRegister(f.reqs, f.iters, f.failed, f.vus, f.vusMax, f.elapsed, f.dur, f.ttft, f.cpu, f.memMax, info)
	return f
}

// tick advances every (server, scenario) by one quarter second of load.
func (f *fakeRun) tick(elapsed time.Duration) {
	for _, s := range []struct {
		server       string
		reqs         int
		latency, cpu float64
		mem          float64
	}{{"fast", 10, 0.05, 0.1, 100 << 20}, {"slow", 5, 0.1, 0.2, 50 << 20}} {
		for _, scenario := range []string{catalog.ScenarioBaseline, catalog.ScenarioStress} {
			vus := map[string]float64{catalog.ScenarioBaseline: 10, catalog.ScenarioStress: 50}[scenario]
			f.vus.WithLabelValues(s.server, scenario).Set(vus)
			f.vusMax.WithLabelValues(s.server, scenario).Set(vus)
			f.elapsed.WithLabelValues(s.server, scenario).Set(elapsed.Seconds())
			for range s.reqs {
				f.reqs.WithLabelValues(s.server, scenario).Inc()
				f.iters.WithLabelValues(s.server, scenario).Inc()
				f.dur.WithLabelValues(s.server, scenario).Observe(s.latency)
				f.ttft.WithLabelValues(s.server, scenario).Observe(s.latency / 10)
			}
			f.failed.WithLabelValues(s.server, scenario).Add(0)
		}
		f.cpu.WithLabelValues(s.server).Add(s.cpu)
		f.memMax.WithLabelValues(s.server).Set(s.mem)
	}
}

func TestFetchFromARealPrometheus(t *testing.T) {
	bin := promrun.RequireBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	prom, err := promrun.Start(ctx, promrun.Options{Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := prom.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})

	const testid = "20261127-report-test"
	reg := prometheus.NewPedanticRegistry()
	fake := newFakeRun(reg, testid)
	pusher, err := remotewrite.New(remotewrite.Config{URL: prom.RemoteWriteURL(), Interval: 250 * time.Millisecond}, reg)
	if err != nil {
		t.Fatal(err)
	}
	pushStart := time.Now()
	pusher.Start(ctx)
	ticker := time.NewTicker(250 * time.Millisecond) // paces the load; no test step waits on it
	for i := 1; i <= 24; i++ {
		<-ticker.C
		fake.tick(time.Since(pushStart))
	}
	ticker.Stop()
	if _, err := pusher.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	pushEnd := time.Now()

	q, err := run.NewQuerier(prom.URL())
	if err != nil {
		t.Fatal(err)
	}
	now := pushEnd.Add(2 * time.Second)
	trials, err := q.Trials(ctx, testid, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 1 || trials[0].TestID != testid {
		t.Fatalf("trials of a single run: %+v", trials)
	}
	start, end := trials[0].Start, trials[0].End
	if start.After(pushStart.Add(2*time.Second)) || start.Before(pushStart.Add(-15*time.Second)) ||
		end.Before(pushEnd.Add(-2*time.Second)) || end.After(now) {
		t.Errorf("span %s – %s does not bracket the push %s – %s", start, end, pushStart, pushEnd)
	}
	if _, err := q.Trials(ctx, "no-such-run", now, time.Hour); err == nil || !strings.Contains(err.Error(), "no-such-run") {
		t.Errorf("an unknown testid must be an error naming it, got %v", err)
	}

	d, err := Fetch(ctx, q, testid, trials, Options{Servers: []servers.Info{{Name: "fast", Runtime: "Go", Framework: "net/http"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Table.Rows) != 4 {
		t.Fatalf("results table has %d rows, want 2 servers × 2 scenarios: %+v", len(d.Table.Rows), d.Table.Rows)
	}
	fast, _ := d.Table.Find("fast", catalog.ScenarioStress)
	slow, _ := d.Table.Find("slow", catalog.ScenarioStress)
	if r := fast.Value(catalog.ResultsReqPerSecond) / slow.Value(catalog.ResultsReqPerSecond); math.Abs(r-2) > 0.2 {
		t.Errorf("fast/slow throughput = %.2f, want 2", r)
	}
	if p95 := fast.Value(catalog.ResultsP95Ms); math.Abs(p95-50) > 2 {
		t.Errorf("fast p95 = %.1f ms, want 50", p95)
	}
	for _, c := range d.Stress {
		if len(c.Bars) != 2 {
			t.Errorf("%s: %d bars, want one per server", c.Query, len(c.Bars))
		}
	}
	if d.Stress[0].Bars[0].Server != "fast" {
		t.Errorf("throughput bars should put the fastest first: %+v", d.Stress[0].Bars)
	}
	if d.Stress[3].Bars[0].Server != "fast" || math.Abs(d.Stress[3].Bars[0].Value-100) > 0.01 {
		t.Errorf("peak memory of fast should be 100 MiB: %+v", d.Stress[3].Bars)
	}
	share := 0.0
	for _, b := range d.Share.Bars {
		share += b.Value
	}
	if math.Abs(share-100) > 0.01 {
		t.Errorf("memory shares sum to %.2f %%", share)
	}
	// One runtime per server here (ssebench_server_info above): each runtime's share is its
	// server's share.
	if len(d.RuntimeShare.Bars) != 2 {
		t.Errorf("runtime shares: %+v", d.RuntimeShare.Bars)
	}
	for i, b := range d.RuntimeShare.Bars {
		if b.Server != d.Share.Bars[i].Server+"lang" || math.Abs(b.Value-d.Share.Bars[i].Value) > 0.01 {
			t.Errorf("runtime share %+v differs from server share %+v", b, d.Share.Bars[i])
		}
	}
	if len(d.Delta.Bars) != 2 {
		t.Errorf("delta bars: %+v", d.Delta.Bars)
	}
	if strings.Join(d.Scores.Servers, ",") != "fast,slow" || d.Scores.Values[0][0] != 100 {
		t.Errorf("scores: %+v", d.Scores)
	}
	for _, ls := range d.Series {
		if len(ls.Lines) != 4 || len(ls.Lines[0].Points) < 2 {
			t.Errorf("%s: %d lines, want 4 with points", ls.Query, len(ls.Lines))
		}
	}
	for _, l := range d.Loads {
		// 24 ticks of 250 ms; a loaded machine only makes them later
		if l.Seconds < 5.5 || l.Seconds > 120 {
			t.Errorf("%s %s lasted %.1f s, want at least 6", l.Server, l.Scenario, l.Seconds)
		}
	}
	if d.Machine["cpu_model"] != "Test CPU" {
		t.Errorf("machine: %v", d.Machine)
	}
	paths, err := Write(t.TempDir(), d)
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(paths.HTML)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), "<svg "); n != 9 {
		t.Errorf("report from Prometheus has %d charts, want 9", n)
	}
}
