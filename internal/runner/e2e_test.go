package runner

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/benchtest"
	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/sweep"
)

func quickRun(t *testing.T, cfg Config) *Outcome {
	t.Helper()
	return runQuick(t, cfg, false)
}

// runQuick is quickRun, with the HTML report written when withReport.
func runQuick(t *testing.T, cfg Config, withReport bool) *Outcome {
	t.Helper()
	dir := t.TempDir()
	cfg.Quick = true
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.ReportDir = filepath.Join(dir, "report")
	cfg.NoReport = !withReport
	var log bytes.Buffer
	cfg.Stdout = &log
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := Run(ctx, cfg)
	t.Logf("run output:\n%s", log.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if out.Failed() {
		t.Fatalf("run reported a failure: %+v", out.Measured)
	}
	if out.Table == nil && out.Sweep == nil {
		t.Fatal("no results table")
	}
	return out
}

// TestQuickRunPromQLAgreesWithInProcessSummary is issue 3's acceptance test: every cell of
// the table computed by the catalog's PromQL agrees with the load generator's own summary.
// The warm-up before the first scenario is in neither.
func TestQuickRunPromQLAgreesWithInProcessSummary(t *testing.T) {
	root := benchtest.RequireBuilt(t)
	out := quickRun(t, Config{Root: root, Servers: []string{"go-http"}, Scenarios: []string{"baseline", "stress"},
		WarmUp: time.Second})
	if len(out.Measured) != 2 {
		t.Fatalf("want baseline and stress measured, got %d load runs", len(out.Measured))
	}
	for _, m := range out.Measured {
		row, ok := out.Table.Find(m.Server, m.Scenario)
		if !ok {
			t.Fatalf("no PromQL row for %s/%s", m.Server, m.Scenario)
		}
		f := figuresOf(m.Summary)
		if f.Requests < 100 {
			t.Fatalf("%s: only %d requests; the comparison would mean nothing", m.Scenario, f.Requests)
		}
		within(t, m.Scenario+" req/s", row.Value(catalog.ResultsReqPerSecond), f.ReqPerSec, 0.01)
		within(t, m.Scenario+" avg ms", row.Value(catalog.ResultsAvgMs), f.AvgMs, 0.02)
		// Schema 5 buckets are 2.2 % wide; the summary's own p95 is exact to 3 significant digits.
		within(t, m.Scenario+" p95 ms", row.Value(catalog.ResultsP95Ms), f.P95Ms, 0.025)
		within(t, m.Scenario+" max ms", row.Value(catalog.ResultsMaxMs), f.MaxMs, 0.001)
		if got := row.Value(catalog.ResultsFailPercent); got != f.FailPercent {
			t.Errorf("%s fail %%: PromQL %v, in-process %v", m.Scenario, got, f.FailPercent)
		}
		for _, col := range []catalog.Query{catalog.ResultsCPUPercent, catalog.ResultsMemMiB} {
			if v := row.Value(col); math.IsNaN(v) || v <= 0 {
				t.Errorf("%s %s: want a positive figure from the exporter, got %v", m.Scenario, col.Title, v)
			}
		}
	}
	var text bytes.Buffer
	if err := WriteOutcome(&text, out, Config{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"From Prometheus", "From the load generator", "go-http", "stress", "results JSON"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("printed outcome lacks %q", want)
		}
	}
}

// TestInjectedFailuresAreCounted: with 5 % error statuses and 5 % mid-stream aborts from
// the stub, the PromQL fail % equals what the load generator saw, and both are near the
// injected 1 - 0.95² ≈ 9.75 %.
func TestInjectedFailuresAreCounted(t *testing.T) {
	root := benchtest.RequireBuilt(t)
	out := quickRun(t, Config{Root: root, Servers: []string{"go-http"}, Scenarios: []string{"baseline"},
		StubArgs: []string{"--error-rate=0.05", "--abort-rate=0.05"}, NoExporter: true})
	m := out.Measured[0]
	row, ok := out.Table.Find("go-http", "baseline")
	if !ok {
		t.Fatal("no PromQL row")
	}
	seen := m.Summary.FailPercent()
	if got := row.Value(catalog.ResultsFailPercent); math.Abs(got-seen) > 1e-9 {
		t.Errorf("fail %%: PromQL %v, in-process %v", got, seen)
	}
	// Thousands of requests: the binomial spread is well under 2 points.
	if seen < 6 || seen > 14 {
		t.Errorf("fail %% %.2f is far from the injected 9.75 %%", seen)
	}
	if v := row.Value(catalog.ResultsCPUPercent); !math.IsNaN(v) {
		t.Errorf("without the exporter the CPU cell must be empty, got %v", v)
	}
	if got := results.FormatValue(catalog.ResultsCPUPercent, row.Value(catalog.ResultsCPUPercent)); got != results.Missing {
		t.Errorf("empty CPU cell printed as %q", got)
	}
}

// TestTrialsGiveIntervalsAndTheCostTable: three interleaved trials of go-http and the
// direct reference under the fixed-rate scenario. Each trial has its own testid; the table's
// cells are the means of the trials with intervals that contain them; PromQL agrees with the
// load generator trial by trial; the cost table has direct as its zero line.
func TestTrialsGiveIntervalsAndTheCostTable(t *testing.T) {
	root := benchtest.RequireBuilt(t)
	out := quickRun(t, Config{Root: root, Servers: []string{"go-http"}, Scenarios: []string{catalog.ScenarioEfficiency},
		Trials: 3, Reference: true, TestID: "trials-e2e", OrderSeed: 7})
	if len(out.Trials) != 3 || out.Trials[2].TestID != "trials-e2e-t3" || len(out.Measured) != 6 {
		t.Fatalf("want 3 trials (trials-e2e-t1…t3) of 2 load runs, got %d trials, %d runs: %+v", len(out.Trials), len(out.Measured), out.Trials)
	}
	perTrial := map[string][]float64{}
	for _, m := range out.Measured {
		if m.TestID != out.Trials[m.Trial-1].TestID {
			t.Errorf("%s in trial %d pushed under %q", m.Server, m.Trial, m.TestID)
		}
		perTrial[m.Server] = append(perTrial[m.Server], figuresOf(m.Summary).ReqPerSec)
	}
	for _, server := range []string{"go-http", results.Reference} {
		row, ok := out.Table.Find(server, catalog.ScenarioEfficiency)
		if !ok {
			t.Fatalf("no row for %s", server)
		}
		iv := row.Interval(catalog.ResultsReqPerSecond)
		if iv.N != 3 || !iv.Known() || iv.Lo > iv.Point || iv.Hi < iv.Point {
			t.Errorf("%s req/s: want a 3-trial interval around its mean, got %+v", server, iv)
		}
		mean := (perTrial[server][0] + perTrial[server][1] + perTrial[server][2]) / 3
		within(t, server+" mean req/s over trials", row.Value(catalog.ResultsReqPerSecond), mean, 0.01)
	}
	if out.Efficiency() == nil {
		t.Fatal("no cost table")
	}
	direct, _ := out.Efficiency().Find(results.Reference, catalog.ScenarioEfficiency)
	proxy, _ := out.Efficiency().Find("go-http", catalog.ScenarioEfficiency)
	if v := direct.Value(catalog.Efficiency.AddedTTFTP50); v != 0 {
		t.Errorf("direct's added TTFT over itself must be 0, got %v", v)
	}
	if direct.RankLabel() != "ref" || proxy.Rank != 1 {
		t.Errorf("ranks: direct %q, go-http %d", direct.RankLabel(), proxy.Rank)
	}
	for _, col := range []catalog.Query{catalog.Efficiency.CPUMicros, catalog.Efficiency.AddedDurationP50} {
		if v := proxy.Value(col); math.IsNaN(v) {
			t.Errorf("go-http %s: no value", col.Title)
		}
	}
	if v := proxy.Value(catalog.Efficiency.CPUMicros); v <= 0 || v > 100000 {
		t.Errorf("go-http CPU per stream %.1f µs is not plausible", v)
	}
	var text bytes.Buffer
	if err := WriteOutcome(&text, out, Config{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 trials", "ref", "±", "What a stream costs"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("printed outcome lacks %q:\n%s", want, text.String())
		}
	}
}

// TestSweepFindsACapacityUnderTheSLO: a short sweep of go-http and direct. Steps go up by
// ×4 from 400/s; each server gets a capacity within the SLO, direct is the harness' limit,
// the curve from PromQL has a row per step that agrees with the load generator's rate, and
// the HTML report, which reads the sweep back from Prometheus, shows each capacity as the
// runner judged it.
func TestSweepFindsACapacityUnderTheSLO(t *testing.T) {
	root := benchtest.RequireBuilt(t)
	out := runQuick(t, Config{Root: root, Servers: []string{"go-http"}, Scenarios: []string{"baseline", SweepName}, Reference: true,
		TestID: "sweep-e2e", Sweep: sweep.Config{StartRate: 400, Factor: 4, MaxRate: 6400, Bisections: 1}}, true)
	sw := out.Sweep
	if sw == nil || len(sw.Results) != 2 || sw.Results[0].Server != results.Reference {
		t.Fatalf("want direct then go-http swept, got %+v", sw)
	}
	if sw.TTFTBoundMs <= 50 {
		t.Errorf("SLO bound %.1f ms: want direct's first p99 TTFT + 50 ms", sw.TTFTBoundMs)
	}
	for _, r := range sw.Results {
		if len(r.Steps) < 1 || (r.Capacity > 0 && r.Capacity < 400) {
			t.Errorf("%s: %+v", r.Server, r)
		}
		for _, s := range r.Steps {
			row, ok := sw.Curve.Find(r.Server, fmt.Sprintf("sweep-%d", s.Rate))
			if !ok {
				t.Errorf("%s %d/s: no PromQL row", r.Server, s.Rate)
				continue
			}
			within(t, fmt.Sprintf("%s %d/s achieved", r.Server, s.Rate), row.Value(catalog.SweepReqPerSecond), s.Achieved, 0.01)
			// The SLO is judged on the load generator's exact p99; the curve's is the native
			// histogram's (buckets 2.2 % wide), so the chart shows what was judged.
			within(t, fmt.Sprintf("%s %d/s p99 TTFT", r.Server, s.Rate), row.Value(catalog.SweepTTFTP99), s.TTFTP99, 0.025)
		}
	}
	if sw.Results[0].Limit != "harness" {
		t.Errorf("direct's limit is the harness', got %q", sw.Results[0].Limit)
	}
	page, err := os.ReadFile(out.Report)
	if err != nil {
		t.Fatalf("the report: %v", err)
	}
	for _, r := range sw.Results {
		if want := fmt.Sprintf("%d streams/s (%s limit)", r.Capacity, r.Limit); !strings.Contains(string(page), want) {
			t.Errorf("the report, read back from Prometheus, lacks %s's %q", r.Server, want)
		}
	}
}

func within(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s: PromQL %.3f, in-process %.3f (allowed ±%.1f %%)", what, got, want, rel*100)
	} else {
		t.Logf("%s: PromQL %.3f, in-process %.3f", what, got, want)
	}
}

// TestCostTablesPromQLAgreeWithInProcess: both cost tables, at the fixed rate (efficiency)
// and under realistic traffic (Poisson arrivals, lognormal lengths), in one run: each
// table's rate and added latencies (through go-http minus direct, same trial) agree with the
// load generator's own figures; quantiles come from native histograms (buckets 2.2 % wide),
// hence the tolerance.
func TestCostTablesPromQLAgreeWithInProcess(t *testing.T) {
	root := benchtest.RequireBuilt(t)
	out := quickRun(t, Config{Root: root, Servers: []string{"go-http"},
		Scenarios: []string{catalog.ScenarioEfficiency, catalog.ScenarioRealistic}, Reference: true})
	sums := map[[2]string]*load.Summary{}
	for _, m := range out.Measured {
		sums[[2]string{m.Server, m.Scenario}] = m.Summary
	}
	for _, cost := range []struct {
		scenario string
		columns  catalog.CostColumns
	}{{catalog.ScenarioEfficiency, catalog.Efficiency}, {catalog.ScenarioRealistic, catalog.Realistic}} {
		table := results.ScenarioTable(out.Tables, cost.scenario)
		if table == nil {
			t.Fatalf("no %s cost table", cost.scenario)
		}
		proxy, direct := sums[[2]string{"go-http", cost.scenario}], sums[[2]string{results.Reference, cost.scenario}]
		if proxy == nil || direct == nil {
			t.Fatalf("%s: want go-http and direct measured, got %+v", cost.scenario, out.Measured)
		}
		row, ok := table.Find("go-http", cost.scenario)
		ref, refOK := table.Find(results.Reference, cost.scenario)
		if !ok || !refOK {
			t.Fatalf("%s: no go-http or direct row in its cost table", cost.scenario)
		}
		within(t, cost.scenario+" req/s", row.Value(cost.columns.ReqPerSecond), proxy.RequestRate, 0.01)
		if v := ref.Value(cost.columns.AddedTTFTP50); v != 0 {
			t.Errorf("%s: direct's added TTFT over itself must be 0, got %v", cost.scenario, v)
		}
		if v := row.Value(cost.columns.CPUMicros); !(v > 0 && v < 100000) {
			t.Errorf("%s: go-http CPU per stream %.1f µs is not plausible", cost.scenario, v)
		}
		if v := row.Value(cost.columns.Goodput); !(v >= 0 && v <= 100) {
			t.Errorf("%s: go-http goodput %v, want a share", cost.scenario, v)
		}
		added := func(what string, q catalog.Query, p, d time.Duration) {
			t.Helper()
			want := ms(p) - ms(d)
			// Each quantile is within 1.1 % of its value; their difference within the sum.
			slack := 0.025*(ms(p)+ms(d)) + 0.01
			if got := row.Value(q); math.IsNaN(got) || math.Abs(got-want) > slack {
				t.Errorf("%s %s: PromQL %.3f ms, in-process %.3f ms (allowed ±%.3f)", cost.scenario, what, got, want, slack)
			} else {
				t.Logf("%s %s: PromQL %.3f ms, in-process %.3f ms", cost.scenario, what, got, want)
			}
		}
		added("+ttft p50", cost.columns.AddedTTFTP50, proxy.TimeToFirstToken.Med, direct.TimeToFirstToken.Med)
		added("+dur p50", cost.columns.AddedDurationP50, proxy.HTTPReqDuration.Med, direct.HTTPReqDuration.Med)
	}
	// The realistic streams' lengths were drawn: their durations spread far wider than the
	// fixed-length efficiency streams'.
	fixed, drawn := sums[[2]string{"go-http", catalog.ScenarioEfficiency}], sums[[2]string{"go-http", catalog.ScenarioRealistic}]
	if spread := func(s *load.Summary) float64 { return ms(s.HTTPReqDuration.P95) / ms(s.HTTPReqDuration.Med) }; spread(drawn) < 1.5*spread(fixed) {
		t.Errorf("realistic p95/median duration %.2f, efficiency %.2f: the lengths were not drawn", spread(drawn), spread(fixed))
	}
	var text bytes.Buffer
	if err := WriteOutcome(&text, out, Config{}); err != nil {
		t.Fatal(err)
	}
	if want := "What a stream costs under realistic traffic"; !strings.Contains(text.String(), want) {
		t.Errorf("printed outcome lacks %q:\n%s", want, text.String())
	}
}
