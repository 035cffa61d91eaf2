package aiperf

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/run"
)

// Fetch reads every AIPerf figure of a run (catalog.AIPerfColumns) trial by trial, as the
// results table reads its cells, and pools the trials into one table (Pool). A run without
// a single (server, scenario) with data is an error naming it.
func Fetch(ctx context.Context, q *run.Querier, id string, trials []run.Trial) (*results.Table, error) {
	if len(trials) == 0 {
		return nil, fmt.Errorf("aiperf: run %q has no trials", id)
	}
	tables, err := results.FetchTrials(ctx, q, trials, catalog.AIPerfColumns, catalog.ResultsReqPerSecond)
	if err != nil {
		return nil, fmt.Errorf("aiperf: %w", err)
	}
	t := Pool(id, tables)
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("aiperf: Prometheus has no load data of run %q in its %d trial(s)", id, len(trials))
	}
	return t, nil
}

// Pool makes one table of the per-trial tables of a run: each figure pooled as AIPerf would
// have it over all the run's requests where ssebench can (counts and sums add up, maxima
// take the largest), and as the results table does where it cannot (a quantile or a rate is
// the mean over the trials that have it). Rows go by server, then scenario.
func Pool(id string, trials []*results.Table) *results.Table {
	out := &results.Table{TestID: id, Columns: catalog.AIPerfColumns, RankBy: catalog.ResultsReqPerSecond}
	type key = [2]string
	values := map[key]map[string][]float64{}
	for _, t := range trials {
		out.Trials = append(out.Trials, t.TestID)
		if out.Start.IsZero() || t.Start.Before(out.Start) {
			out.Start = t.Start
		}
		if t.End.After(out.End) {
			out.End = t.End
		}
		for _, r := range t.Rows {
			k := key{r.Server, r.Scenario}
			if values[k] == nil {
				values[k] = map[string][]float64{}
			}
			for name, v := range r.Values {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					values[k][name] = append(values[k][name], v)
				}
			}
		}
	}
	for k, byName := range values {
		row := results.Row{Server: k[0], Scenario: k[1], Values: map[string]float64{}}
		for name, vs := range byName {
			row.Values[name] = poolings[name].of(vs)
		}
		out.Rows = append(out.Rows, row)
	}
	sort.Slice(out.Rows, func(i, j int) bool {
		a, b := out.Rows[i], out.Rows[j]
		return a.Server < b.Server || (a.Server == b.Server && a.Scenario < b.Scenario)
	})
	return out
}

// of pools one figure's values, one per trial that has it (never none).
func (p pooling) of(vs []float64) float64 {
	switch p {
	case poolSum:
		total := 0.0
		for _, v := range vs {
			total += v
		}
		return total
	case poolMax:
		largest := vs[0]
		for _, v := range vs[1:] {
			largest = max(largest, v)
		}
		return largest
	}
	total := 0.0
	for _, v := range vs {
		total += v
	}
	return total / float64(len(vs))
}
