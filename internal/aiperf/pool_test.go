package aiperf

import (
	"math"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

// Trials pool as AIPerf would count their requests together where ssebench can (counts and
// sums add up, maxima take the largest, so avg = sum / count stays exact) and as the results
// table does where it cannot (quantiles and rates: the mean over the trials that have them).
func TestPoolAddsCountsAndAveragesQuantiles(t *testing.T) {
	ttft, dur := catalog.AIPerfTimeToFirstToken, catalog.AIPerfRequestLatency
	start := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	trial := func(id string, offset time.Duration, values map[string]float64) *results.Table {
		return &results.Table{TestID: id, Start: start.Add(offset), End: start.Add(offset + time.Minute),
			Rows: []results.Row{{Server: "go-http", Scenario: "stress", Values: values}}}
	}
	t1 := trial("r-t1", 0, map[string]float64{
		catalog.ResultsReqPerSecond.Name: 100, catalog.AIPerfRequestCount.Name: 6000, catalog.AIPerfGoodput.Name: 99,
		ttft.Count.Name: 6000, ttft.SumMs.Name: 30000, ttft.P99Ms.Name: 10, dur.MaxMs.Name: 300,
	})
	t2 := trial("r-t2", 2*time.Minute, map[string]float64{
		catalog.ResultsReqPerSecond.Name: 110, catalog.AIPerfRequestCount.Name: 6600, catalog.AIPerfGoodput.Name: math.NaN(),
		ttft.Count.Name: 6600, ttft.SumMs.Name: 26400, ttft.P99Ms.Name: 14, dur.MaxMs.Name: 250,
	})
	t2.Rows = append(t2.Rows, results.Row{Server: "direct", Scenario: "stress", Values: map[string]float64{catalog.AIPerfRequestCount.Name: 7000}})

	p := Pool("r", []*results.Table{t1, t2})
	if p.TestID != "r" || len(p.Trials) != 2 || !p.Start.Equal(start) || !p.End.Equal(start.Add(3*time.Minute)) {
		t.Errorf("pooled table: %s %v %s – %s", p.TestID, p.Trials, p.Start, p.End)
	}
	if len(p.Rows) != 2 || p.Rows[0].Server != "direct" || p.Rows[1].Server != "go-http" {
		t.Fatalf("rows by server: %+v", p.Rows)
	}
	r := p.Rows[1]
	for q, want := range map[catalog.Query]float64{
		catalog.ResultsReqPerSecond: 105, // mean
		catalog.AIPerfRequestCount:  12600,
		catalog.AIPerfGoodput:       99, // the one trial that has it
		ttft.Count:                  12600,
		ttft.SumMs:                  56400,
		ttft.P99Ms:                  12,
		dur.MaxMs:                   300,
	} {
		if got := r.Value(q); got != want {
			t.Errorf("%s: %g, want %g", q.Name, got, want)
		}
	}
	if v := p.Rows[0].Value(catalog.AIPerfRequestCount); v != 7000 {
		t.Errorf("direct, in one trial only: %g", v)
	}
	e, err := Build(p, "test")
	if err != nil {
		t.Fatal(err)
	}
	if avg := *e[1].Export.TimeToFirstToken.Avg; math.Abs(avg-56400.0/12600) > 1e-12 {
		t.Errorf("pooled TTFT avg %g, want every request's mean %g", avg, 56400.0/12600)
	}
}

// Every column the export reads has a pooling rule; a new one without would be averaged
// silently, which is wrong for a count.
func TestEveryColumnHasAPooling(t *testing.T) {
	for _, q := range catalog.AIPerfColumns {
		if _, ok := poolings[q.Name]; !ok {
			t.Errorf("%s: no pooling rule", q.Name)
		}
	}
	if len(poolings) != len(catalog.AIPerfColumns) {
		t.Errorf("%d pooling rules for %d columns", len(poolings), len(catalog.AIPerfColumns))
	}
}
