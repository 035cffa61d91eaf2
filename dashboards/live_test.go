package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/repo"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/run"
)

// liveServers are the two servers of the live run; Go ones need no extra toolchain.
func liveServers() []string {
	if s := os.Getenv("SSEBENCH_LIVE_SERVERS"); s != "" {
		return strings.Split(s, ",")
	}
	return []string{"go-http", "go-gin"}
}

// requireLiveRun returns the repository root when bin/ssebench has the run command and
// .tools/bin/prometheus exists (`make build` and `make deps`), and skips otherwise.
func requireLiveRun(t *testing.T) (root, prometheus string) {
	t.Helper()
	root, err := repo.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	// make test builds both first: a missing one is a broken setup, not a reason to skip
	// (SSEBENCH_ALLOW_SKIP=1 allows it, as for every test that needs the built tools).
	bin := filepath.Join(root, "bin", "ssebench")
	if out, err := exec.Command(bin, "help", "run").CombinedOutput(); err != nil {
		skipOrFail(t, fmt.Sprintf("%s help run: %v (run `make build`)\n%s", bin, err, out))
	}
	prometheus = filepath.Join(root, ".tools", "bin", "prometheus")
	if _, err := os.Stat(prometheus); err != nil {
		skipOrFail(t, fmt.Sprintf("no Prometheus at %s: run `make deps`", prometheus))
	}
	return root, prometheus
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv(promrun.EnvAllowSkip) == "1" {
		t.Skip(why)
	}
	t.Fatal(why)
}

// panelTarget is one query of a committed dashboard panel.
type panelTarget struct {
	panel, refID, expr string
	instant            bool
}

func dashboardTargets(t *testing.T, file string) []panelTarget {
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				RefID   string `json:"refId"`
				Expr    string `json:"expr"`
				Instant bool   `json:"instant"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(committed(t, file), &d); err != nil {
		t.Fatal(err)
	}
	var out []panelTarget
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			out = append(out, panelTarget{panel: p.Title, refID: tg.RefID, expr: tg.Expr, instant: tg.Instant})
		}
	}
	return out
}

// terminalTable is the results table `ssebench run` printed, from its results.json.
func terminalTable(t *testing.T, path string) (start, end time.Time, table map[[2]string]map[string]*float64, sweep, duet window) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Results struct {
			Start time.Time `json:"start"`
			End   time.Time `json:"end"`
			Rows  []struct {
				Server   string              `json:"server"`
				Scenario string              `json:"scenario"`
				Values   map[string]*float64 `json:"values"`
			} `json:"rows"`
		} `json:"results"`
		Sweep struct{ Window window } `json:"sweep"`
		Duet  struct{ Window window } `json:"duet"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	table = map[[2]string]map[string]*float64{}
	for _, r := range out.Results.Rows {
		table[[2]string{r.Server, r.Scenario}] = r.Values
	}
	return out.Results.Start, out.Results.End, table, out.Sweep.Window, out.Duet.Window
}

// window is when a part of the run ran, as results.json has it.
type window struct{ Start, End time.Time }

// grafanaRange is Grafana's $__range for a time range set to w, as internal/results computes it.
func (w window) grafanaRange() string {
	return fmt.Sprintf("%ds", int(math.Ceil((w.End.Sub(w.Start) + 2*time.Second).Seconds())))
}

// compareCells checks that every cell of a terminal table shows as the panel does, and
// returns how many cells it compared.
func compareCells(t *testing.T, what string, terminal map[[2]string]map[string]*float64, panel map[string]map[[2]string]float64, columns []catalog.Query) int {
	t.Helper()
	compared := 0
	for key, values := range terminal {
		for _, col := range columns {
			compared++
			want := math.NaN()
			if v := values[col.Name]; v != nil {
				want = *v
			}
			got, ok := panel[col.Name][key]
			if !ok {
				got = math.NaN()
			}
			if results.FormatValue(col, got) != results.FormatValue(col, want) {
				t.Errorf("%s %s %s %s: panel shows %s, terminal %s", what, key[0], key[1], col.Title,
					results.FormatValue(col, got), results.FormatValue(col, want))
			}
		}
	}
	return compared
}

// efficiencyTable is the cost table `ssebench run` printed, from its results.json.
func efficiencyTable(t *testing.T, path string) map[[2]string]map[string]*float64 {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Efficiency struct {
			Rows []struct {
				Server   string              `json:"server"`
				Scenario string              `json:"scenario"`
				Values   map[string]*float64 `json:"values"`
			} `json:"rows"`
		} `json:"efficiency"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	table := map[[2]string]map[string]*float64{}
	for _, r := range out.Efficiency.Rows {
		table[[2]string{r.Server, r.Scenario}] = r.Values
	}
	return table
}

// TestLiveQuickRunFillsEveryPanel is the dashboards' end-to-end check: a real
// `ssebench run --quick` of two servers, then every panel query of the Run and Servers
// dashboards, with Grafana's variables set as Grafana would, must return data from the
// run's Prometheus data, and the results-table panel must show the terminal table's
// values; the Across trials table shows this single trial's own values, N = 1 and no interval.
func TestLiveQuickRunFillsEveryPanel(t *testing.T) {
	if testing.Short() {
		t.Skip("a real benchmark run; not in -short")
	}
	root, promBin := requireLiveRun(t)
	servers := liveServers()
	testid := "live-dashboards-" + time.Now().UTC().Format("20060102-150405")
	dataDir, reportDir := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	runCmd := exec.CommandContext(ctx, filepath.Join(root, "bin", "ssebench"), "run", "--quick",
		"--scenarios", "duet,baseline,stress,efficiency,sweep", "--sweep-start", "200", "--sweep-factor", "4",
		"--duet-round", "2s", "--duet-budget", "8s",
		"--servers", strings.Join(servers, ","), "--testid", testid, "--data-dir", dataDir, "--report-dir", reportDir)
	runCmd.Dir = root
	if out, err := runCmd.CombinedOutput(); err != nil {
		t.Fatalf("ssebench run: %v\n%s", err, out)
	}

	// The run stopped its Prometheus; reopen its data with one of our own.
	prom, err := promrun.Start(ctx, promrun.Options{Binary: promBin, DataDir: filepath.Join(dataDir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := prom.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	q, err := run.NewQuerier(prom.URL())
	if err != nil {
		t.Fatal(err)
	}
	// Grafana stands in: the panels' expressions as the dashboard JSON has them, raw.
	raw, err := promrun.NewClient(prom.URL(), promrun.DefaultQueryTimeout)
	if err != nil {
		t.Fatal(err)
	}
	promAPI := raw.API
	// Grafana's time range set to the run as `ssebench run` printed it.
	runStart, runEnd, terminal, sweepWindow, duetWindow := terminalTable(t, filepath.Join(reportDir, testid, "results.json"))
	if sweepWindow.End.IsZero() || duetWindow.End.IsZero() {
		t.Fatalf("results.json has no sweep window (%v) or duet window (%v)", sweepWindow, duetWindow)
	}
	span, err := q.Span(ctx, testid, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	start, end := span.Start, span.End
	if start.Before(runStart) || end.After(runEnd.Add(10*time.Second)) {
		t.Errorf("report span %s – %s is outside the run %s – %s", start, end, runStart, runEnd)
	}
	start, end = runStart, runEnd
	grafana := strings.NewReplacer(
		"$testid", testid,
		"$run", testid, // a single-trial run is its own run
		"$server", ".*", // the All option
		"$compare", strings.Join(servers, "|"),
		"$__range", window{start, end}.grafanaRange(),
		"$__rate_interval", "4s",
		"$__interval", "1s",
	)

	byExpr := map[string]catalog.Query{}
	for _, q := range catalog.All() {
		byExpr[q.Expr] = q
	}
	panel := map[string]map[[2]string]float64{} // catalog name → (server, scenario) → value
	targets := dashboardTargets(t, "ssebench-run.json")
	if len(targets) < 30 {
		t.Fatalf("only %d targets in the run dashboard", len(targets))
	}
	serverTargets := dashboardTargets(t, "ssebench-servers.json")
	if len(serverTargets) < 10 {
		t.Fatalf("only %d targets in the servers dashboard", len(serverTargets))
	}
	targets = append(targets, serverTargets...)
	// The sweep row reads the sweep's own testid, which a user picks in the testid variable,
	// with Grafana's time range set to the sweep's (it runs after the results' window).
	sweepTestID := strings.NewReplacer("$testid", run.SweepTestID(testid), "$__range", sweepWindow.grafanaRange())
	// So does the side-by-side row, under the duet's testid and over its window (before it).
	duetTestID := strings.NewReplacer("$testid", run.DuetTestID(testid), "$__range", duetWindow.grafanaRange())
	// The tables of scenarios this run leaves out: the failure modes' (thousands of streams,
	// slow readers, 10 s of residue), which internal/runner's TestFailureModes runs and checks
	// by these panels' catalog queries, and the realistic cost table, which is the efficiency
	// table's columns over another scenario (internal/runner's TestCostTablesPromQLAgreeWithInProcess).
	leftOut := map[string]bool{}
	for _, st := range catalog.ScenarioTables {
		if st.Scenario != catalog.ScenarioEfficiency {
			leftOut[st.Title] = true
		}
	}
	for _, tg := range targets {
		if leftOut[tg.panel] {
			continue
		}
		sweep := strings.Contains(strings.ToLower(tg.panel), "sweep")
		duet := strings.Contains(strings.ToLower(tg.panel), "side by side")
		expr, from, to := tg.expr, start, end
		if sweep {
			expr, from, to = sweepTestID.Replace(expr), sweepWindow.Start, sweepWindow.End
		}
		if duet {
			expr, from, to = duetTestID.Replace(expr), duetWindow.Start, duetWindow.End
		}
		expr = grafana.Replace(expr)
		if tg.instant {
			val, _, _, err := promAPI.Query(ctx, expr, to)
			if err != nil {
				t.Errorf("%s (%s): %v", tg.panel, tg.refID, err)
				continue
			}
			vec, _ := val.(model.Vector)
			if len(vec) == 0 {
				t.Errorf("panel %q target %s returns no data:\n%s", tg.panel, tg.refID, expr)
			}
			if sweep || duet {
				continue // the sweep's: the results table's queries over another testid; the duet's: checked in internal/catalog
			}
			name := byExpr[tg.expr].Name
			panel[name] = map[[2]string]float64{}
			for _, s := range vec {
				panel[name][[2]string{string(s.Metric["server"]), string(s.Metric["scenario"])}] = float64(s.Value)
			}
			continue
		}
		val, _, _, err := promAPI.QueryRange(ctx, expr, v1.Range{Start: from, End: to, Step: time.Second})
		if err != nil {
			t.Errorf("%s (%s): %v", tg.panel, tg.refID, err)
			continue
		}
		if m, _ := val.(model.Matrix); len(m) == 0 {
			t.Errorf("panel %q target %s returns no data over the run:\n%s", tg.panel, tg.refID, expr)
		}
	}

	// Across trials, a single-trial run: each mean is the results table's own value, N is 1
	// and the interval is NaN (the panel shows "1 trial: no interval").
	for _, col := range []catalog.Query{catalog.ResultsReqPerSecond, catalog.ResultsP95Ms, catalog.ResultsCPUPercent} {
		mean, _ := catalog.TrialMean(col)
		half, _ := catalog.TrialHalfWidth(col)
		for key, want := range panel[col.Name] {
			if got, ok := panel[mean.Name][key]; !ok || results.FormatValue(col, got) != results.FormatValue(col, want) {
				t.Errorf("across trials %s %s: mean %v, want the run's own %s", key, col.Title, got, results.FormatValue(col, want))
			}
			if h, ok := panel[half.Name][key]; !ok || !math.IsNaN(h) {
				t.Errorf("across trials %s %s: half width %v, want NaN for one trial", key, col.Title, h)
			}
			if n := panel[catalog.TrialsN.Name][key]; n != 1 {
				t.Errorf("across trials %s: N %v, want 1", key, n)
			}
		}
	}

	checkTrends(ctx, t, promAPI, testid, start, end, span)

	// The annotations mark every server × scenario of the run.
	windows, _, _, err := promAPI.QueryRange(ctx, grafana.Replace(catalog.RunLoadWindows.Expr), v1.Range{Start: start, End: end, Step: time.Second})
	if m, _ := windows.(model.Matrix); err != nil || len(m) != 3*(len(servers)+1) {
		t.Errorf("annotations %s: %d load windows (%v), want one per server and direct × 3 scenarios", catalog.RunLoadWindows.Name, len(m), err)
	}

	// The run ends by writing the HTML report from the same Prometheus data.
	page, err := os.ReadFile(filepath.Join(reportDir, testid, "index.html"))
	if err != nil {
		t.Errorf("the run wrote no report: %v", err)
	} else if n := strings.Count(string(page), "<svg "); n != 10 {
		t.Errorf("the run's report has %d charts, want 10 (the sweep's curve too)", n)
	}

	// Every server and the direct reference, in baseline, stress and efficiency.
	if len(terminal) != 3*(len(servers)+1) {
		t.Fatalf("terminal table has %d rows, want %d", len(terminal), 3*(len(servers)+1))
	}
	compared := compareCells(t, "results", terminal, panel, catalog.ResultsColumns)
	if compared != len(terminal)*len(catalog.ResultsColumns) {
		t.Errorf("compared %d cells", compared)
	}
	// The cost table panel equals the terminal's cost table, cell by cell.
	cost := efficiencyTable(t, filepath.Join(reportDir, testid, "results.json"))
	if n := compareCells(t, "cost", cost, panel, catalog.Efficiency.List()); n != (len(servers)+1)*len(catalog.Efficiency.List()) {
		t.Errorf("compared %d cost cells, want %d", n, (len(servers)+1)*len(catalog.Efficiency.List()))
	}
	t.Logf("%d panel targets returned data; %d table cells equal the terminal table's", len(targets), compared)
}

// checkTrends queries the Trends dashboard's panels over the run: the rules of the run's
// Prometheus recorded each load run's finals as it ended, and the Runs table gives the run
// a window that holds every one of its load runs.
func checkTrends(ctx context.Context, t *testing.T, promAPI v1.API, testid string, start, end time.Time, span run.Window) {
	t.Helper()
	at := end.Add(5 * time.Second) // the last final is recorded one evaluation after the last load run
	trends := strings.NewReplacer(
		"$server", ".*",
		"$__interval", "1s",
		"$__range", fmt.Sprintf("%ds", int(math.Ceil(at.Sub(start).Seconds()))+5),
	)
	window := map[string]float64{} // catalog query name → ms, for this testid
	for _, tg := range dashboardTargets(t, "ssebench-trends.json") {
		expr := trends.Replace(tg.expr)
		if !tg.instant {
			val, _, _, err := promAPI.QueryRange(ctx, expr, v1.Range{Start: start, End: at, Step: time.Second})
			if m, _ := val.(model.Matrix); err != nil || len(m) == 0 {
				t.Errorf("trends panel %q returns no finals over the run (%v):\n%s", tg.panel, err, expr)
			}
			continue
		}
		val, _, _, err := promAPI.Query(ctx, expr, at)
		if err != nil {
			t.Errorf("trends panel %q (%s): %v", tg.panel, tg.refID, err)
			continue
		}
		for _, s := range val.(model.Vector) {
			if string(s.Metric["testid"]) == testid {
				for _, q := range catalog.RunsColumns {
					if q.Expr == tg.expr {
						window[q.Name] = float64(s.Value)
					}
				}
			}
		}
	}
	from, fromOK := window[catalog.RunsFromMs.Name]
	to, toOK := window[catalog.RunsToMs.Name]
	if !fromOK || !toOK {
		t.Fatalf("the Runs table has no window for %s: %v", testid, window)
	}
	if from > float64(span.Start.UnixMilli()) || to < float64(span.End.UnixMilli()) {
		t.Errorf("the Runs table opens %s on %s – %s, which does not hold its load %s – %s", testid,
			time.UnixMilli(int64(from)).UTC(), time.UnixMilli(int64(to)).UTC(), span.Start.UTC(), span.End.UTC())
	}
}
