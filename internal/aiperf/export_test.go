package aiperf

import (
	"encoding/json"
	"flag"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

var update = flag.Bool("update", false, "rewrite testdata/export from the fixed table")

// goldenDir holds what Write makes of fixedTable, as a run folder's aiperf/ tree.
const goldenDir = "testdata/export"

// fixedTable is a pooled run of two trials, by query name as Fetch's tables are: go-http
// with every figure, goodput included; direct as k6 would leave it (no goodput, no maxima,
// no gaps, a quantile Prometheus had no value for); and a row with no metric at all.
func fixedTable() *results.Table {
	ttft, gap, dur := catalog.AIPerfTimeToFirstToken, catalog.AIPerfInterTokenLatency, catalog.AIPerfRequestLatency
	return &results.Table{
		TestID: "20260115-100000",
		Trials: []string{"20260115-100000-t1", "20260115-100000-t2"},
		Start:  time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC),
		End:    time.Date(2026, 1, 15, 10, 4, 30, 0, time.UTC),
		Rows: []results.Row{
			{Server: "go-http", Scenario: "stress", Values: map[string]float64{
				catalog.ResultsReqPerSecond.Name: 812.5, catalog.AIPerfRequestCount.Name: 48750,
				catalog.AIPerfGoodput.Name: 810.25, catalog.AIPerfGoodRequestCount.Name: 48615,
				ttft.Count.Name: 48750, ttft.SumMs.Name: 243750, ttft.P50Ms.Name: 4.5, ttft.P90Ms.Name: 7.25, ttft.P95Ms.Name: 9, ttft.P99Ms.Name: 15.5,
				gap.Count.Name: 341250, gap.SumMs.Name: 238875, gap.P50Ms.Name: 0.5, gap.P90Ms.Name: 1.25, gap.P95Ms.Name: 2, gap.P99Ms.Name: 4.75, gap.MaxMs.Name: 212.5,
				dur.Count.Name: 48750, dur.SumMs.Name: 633750, dur.P50Ms.Name: 12.25, dur.P90Ms.Name: 17.5, dur.P95Ms.Name: 19.75, dur.P99Ms.Name: 31, dur.MaxMs.Name: 402.25,
			}},
			{Server: "direct", Scenario: "baseline", Values: map[string]float64{
				catalog.ResultsReqPerSecond.Name: 50, catalog.AIPerfRequestCount.Name: 3000,
				ttft.Count.Name: 3000, ttft.SumMs.Name: 3750, ttft.P50Ms.Name: 1.25, ttft.P90Ms.Name: math.NaN(), ttft.P95Ms.Name: 1.5, ttft.P99Ms.Name: 2.5,
				gap.Count.Name: 0, gap.SumMs.Name: 0,
				dur.Count.Name: 3000, dur.SumMs.Name: 15000, dur.P50Ms.Name: 5, dur.P90Ms.Name: 5.5, dur.P95Ms.Name: 6, dur.P99Ms.Name: 7.5,
			}},
			{Server: "go-gin", Scenario: "stress", Values: map[string]float64{ttft.P50Ms.Name: math.NaN()}},
		},
	}
}

// A fixed results table (no Prometheus) makes the files of testdata/export, byte for byte.
func TestExportOfAFixedTable(t *testing.T) {
	profiles, err := Build(fixedTable(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(profiles) != 2 {
		t.Fatalf("%d profiles, want go-http stress and direct baseline (go-gin has no metric)", len(profiles))
	}
	dir := t.TempDir()
	if *update {
		dir = "testdata"
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
	}
	paths, err := Write(dir, profiles)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "aiperf", "direct", "baseline", FileName), filepath.Join(dir, "aiperf", "go-http", "stress", FileName)}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("wrote %v, want %v", paths, want)
	}
	if *update {
		if err := os.Rename(filepath.Join(dir, "aiperf"), goldenDir); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", goldenDir)
		return
	}
	got, golden := tree(t, filepath.Join(dir, "aiperf")), tree(t, goldenDir)
	for name, g := range golden {
		if got[name] != g {
			t.Errorf("%s differs from the golden file (go test ./internal/aiperf -run TestExportOfAFixedTable -update rewrites it):\n%s", name, got[name])
		}
	}
	if len(got) != len(golden) {
		t.Errorf("wrote %d files, the golden tree has %d", len(got), len(golden))
	}
}

// tree is every file under root by its path within it.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(root, path)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// What the builder makes of the table: the mean as sum over count, absent figures left out
// rather than invented, goodput only where Prometheus had it, and the provenance block.
func TestBuildLeavesOutWhatItCannotGive(t *testing.T) {
	profiles, err := Build(fixedTable(), "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	direct, goHTTP := profiles[0].Export, profiles[1].Export
	if m := goHTTP.TimeToFirstToken; m == nil || *m.Avg != 5 || *m.Count != 48750 || m.Max != nil || m.Min != nil || m.Std != nil {
		t.Errorf("go-http TTFT: %+v, want avg 243750/48750 = 5 ms, count, no max, min or std", m)
	}
	if m := goHTTP.InterTokenLatency; m == nil || *m.Max != 212.5 || *m.Avg != 0.7 {
		t.Errorf("go-http ITL: %+v", m)
	}
	if goHTTP.Goodput == nil || *goHTTP.Goodput.Avg != 810.25 || goHTTP.Goodput.Unit != UnitRequestsPerSecond || *goHTTP.GoodRequestCount.Avg != 48615 {
		t.Errorf("go-http goodput: %+v %+v", goHTTP.Goodput, goHTTP.GoodRequestCount)
	}
	if direct.Goodput != nil || direct.GoodRequestCount != nil {
		t.Errorf("direct has no goodput series, yet: %+v %+v", direct.Goodput, direct.GoodRequestCount)
	}
	if direct.InterTokenLatency != nil {
		t.Errorf("direct saw no gap, yet: %+v", direct.InterTokenLatency)
	}
	if m := direct.TimeToFirstToken; m.P90 != nil || *m.P95 != 1.5 {
		t.Errorf("direct TTFT: p90 was NaN and must be left out: %+v", m)
	}
	if m := direct.RequestLatency; m.Max != nil {
		t.Errorf("direct request_latency: no exact max, yet %v", *m.Max)
	}
	p := goHTTP.SSEBench
	if p == nil || p.Version != "v1.2.3" || p.TestID != "20260115-100000" || p.Server != "go-http" || p.Scenario != "stress" ||
		len(p.Trials) != 2 || p.Meanings[TagInterTokenLatency] == "" || !strings.Contains(p.Note, "not by AIPerf") {
		t.Errorf("provenance: %+v", p)
	}
	if goHTTP.InputConfig != nil {
		t.Errorf("ssebench has no AIPerf configuration to write, yet: %+v", goHTTP.InputConfig)
	}
	if goHTTP.SchemaVersion != SchemaVersion || goHTTP.BenchmarkID != "20260115-100000/go-http/stress" || goHTTP.AIPerfVersion != "" {
		t.Errorf("top level: %q %q %q", goHTTP.SchemaVersion, goHTTP.BenchmarkID, goHTTP.AIPerfVersion)
	}
}

// Every field ssebench writes in a metric block is one AIPerf writes in the same tag's block
// of its own file, so an AIPerf reader finds ssebench's figures where it looks for its own.
func TestEveryFieldWrittenIsWhereAIPerfHasIt(t *testing.T) {
	var fixture map[string]map[string]any
	var top map[string]json.RawMessage
	if err := json.Unmarshal(readFixture(t), &top); err != nil {
		t.Fatal(err)
	}
	fixture = map[string]map[string]any{}
	for tag, raw := range top {
		var block map[string]any
		if isMetricBlock(raw) && json.Unmarshal(raw, &block) == nil {
			fixture[tag] = block
		}
	}
	profiles, err := Build(fixedTable(), "test")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(profiles[1].Export) // go-http: every metric
	if err != nil {
		t.Fatal(err)
	}
	var ours map[string]json.RawMessage
	if err := json.Unmarshal(b, &ours); err != nil {
		t.Fatal(err)
	}
	var tags []string
	for tag, raw := range ours {
		var block map[string]any
		if !isMetricBlock(raw) || json.Unmarshal(raw, &block) != nil {
			continue
		}
		tags = append(tags, tag)
		theirs, ok := fixture[tag]
		if !ok {
			t.Errorf("%s: AIPerf's file has no such metric", tag)
			continue
		}
		if block["unit"] != theirs["unit"] {
			t.Errorf("%s: unit %v, AIPerf's %v", tag, block["unit"], theirs["unit"])
		}
		for field := range block {
			if _, ok := theirs[field]; !ok {
				t.Errorf("%s.%s: AIPerf writes no such field for this metric", tag, field)
			}
		}
	}
	sort.Strings(tags)
	if want := "good_request_count goodput inter_token_latency request_count request_latency request_throughput time_to_first_token"; strings.Join(tags, " ") != want {
		t.Errorf("metrics written: %v, want %s", tags, want)
	}
}

func TestWriteRefusesALabelThatCannotNameAFolder(t *testing.T) {
	dir := t.TempDir()
	good := Profile{Server: "go-http", Scenario: "stress", Export: Export{RequestCount: &Metric{Unit: UnitRequests}}}
	for _, bad := range []Profile{
		{Server: "../escape", Scenario: "stress"}, {Server: "go-http", Scenario: ".."}, {Server: "", Scenario: "stress"}, {Server: "a/b", Scenario: "x"},
	} {
		if _, err := Write(dir, []Profile{good, bad}); err == nil || !strings.Contains(err.Error(), "cannot name a folder") {
			t.Errorf("%q/%q: got %v", bad.Server, bad.Scenario, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused write left %v behind", entries)
	}
	if _, err := Write(dir, nil); err == nil {
		t.Error("writing no profile must be an error, not an empty folder")
	}
}

// A histogram's p99 can come out above the exact maximum (its bucket's estimate); the
// export caps it there, as no quantile exceeds the largest value.
func TestQuantilesStayWithinTheExactMaximum(t *testing.T) {
	dur := catalog.AIPerfRequestLatency
	table := &results.Table{TestID: "r", Rows: []results.Row{{Server: "go-http", Scenario: "cancel", Values: map[string]float64{
		dur.Count.Name: 210, dur.SumMs.Name: 93524, dur.P95Ms.Name: 452.03, dur.P99Ms.Name: 457.2, dur.MaxMs.Name: 453.06,
	}}}}
	profiles, err := Build(table, "test")
	if err != nil {
		t.Fatal(err)
	}
	if m := profiles[0].Export.RequestLatency; *m.P95 != 452.03 || *m.P99 != 453.06 || *m.Max != 453.06 {
		t.Errorf("p95 %g, p99 %g, max %g: want p95 kept and p99 capped at the max", *m.P95, *m.P99, *m.Max)
	}
}

func TestBuildRefusesNoTable(t *testing.T) {
	if _, err := Build(nil, "test"); err == nil {
		t.Fatal("no error")
	}
}
