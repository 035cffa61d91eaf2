package results

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/stats"
)

// FetchRun computes the table of a run from its trials: each cell the mean over trials
// with Student's t interval. A single trial gives its own values with the within-run
// interval (batch means of per-second samples) of req/s, p95 and CPU.
func FetchRun(ctx context.Context, q *run.Querier, id string, trials []run.Trial) (*Table, error) {
	return FetchRunColumns(ctx, q, id, trials, catalog.ResultsColumns, catalog.ResultsReqPerSecond)
}

// FetchScenarioTable is one scenario's own table of a run (the cost table, a failure mode's),
// ranked by its RankBy. It has no within-run interval: with one trial its cells stand alone.
func FetchScenarioTable(ctx context.Context, q *run.Querier, id string, trials []run.Trial, st catalog.ScenarioTable) (*Table, error) {
	t, err := FetchRunColumns(ctx, q, id, trials, st.Columns, st.RankBy)
	if err != nil {
		return nil, fmt.Errorf("the %s table: %w", st.Scenario, err)
	}
	t.Scenario = st.Scenario
	return t, nil
}

// FetchScenarioTables is the table of every scenario of ran that has one, in
// catalog.ScenarioTables' order; tables without rows are left out.
func FetchScenarioTables(ctx context.Context, q *run.Querier, id string, trials []run.Trial, ran func(scenario string) bool) ([]*Table, error) {
	var out []*Table
	for _, st := range catalog.ScenarioTables {
		if !ran(st.Scenario) {
			continue
		}
		t, err := FetchScenarioTable(ctx, q, id, trials, st)
		if err != nil {
			return nil, err
		}
		if len(t.Rows) > 0 {
			out = append(out, t)
		}
	}
	return out, nil
}

// ScenarioTable is the table of scenario among tables, or nil.
func ScenarioTable(tables []*Table, scenario string) *Table {
	for _, t := range tables {
		if t.Scenario == scenario {
			return t
		}
	}
	return nil
}

// FetchRunColumns is FetchRun for any columns of the catalog.
func FetchRunColumns(ctx context.Context, q *run.Querier, id string, trials []run.Trial, columns []catalog.Query, rankBy catalog.Query) (*Table, error) {
	if len(trials) == 0 {
		return nil, fmt.Errorf("results: run %q has no trials", id)
	}
	tables, err := FetchTrials(ctx, q, trials, columns, rankBy)
	if err != nil {
		return nil, err
	}
	if len(tables) == 1 {
		t := tables[0]
		t.TestID = id
		if !hasSampled(columns) {
			return t, nil
		}
		samples, err := FetchSamples(ctx, q, trials[0].TestID, trials[0].Window)
		if err != nil {
			return nil, err
		}
		t.addWithinRun(samples)
		return t, nil
	}
	t := Merge(id, tables)
	return t, nil
}

// FetchTrials is columns of each trial of a run, one table per trial, each over its own
// testid and window.
func FetchTrials(ctx context.Context, q *run.Querier, trials []run.Trial, columns []catalog.Query, rankBy catalog.Query) ([]*Table, error) {
	var tables []*Table
	for _, tr := range trials {
		t, err := FetchColumns(ctx, q, tr.TestID, tr.Window, columns, rankBy)
		if err != nil {
			return nil, fmt.Errorf("trial %d (%s): %w", tr.Number, tr.TestID, err)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

func hasSampled(columns []catalog.Query) bool {
	for _, c := range columns {
		if _, ok := sampled[c.Name]; ok {
			return true
		}
	}
	return false
}

// Merge combines the tables of a run's trials into one: per cell the mean over the trials
// that have it, with its t interval and the per-trial values.
func Merge(id string, trials []*Table) *Table {
	out := &Table{TestID: id, Columns: catalog.ResultsColumns}
	if len(trials) > 0 {
		out.Columns, out.RankBy = trials[0].Columns, trials[0].RankBy
	}
	type key = [2]string
	values := map[key]map[string][]float64{}
	var keys []key
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
				keys = append(keys, k)
			}
			for _, col := range out.Columns {
				values[k][col.Name] = append(values[k][col.Name], r.Value(col))
			}
		}
	}
	for _, k := range keys {
		row := Row{Server: k[0], Scenario: k[1], Values: map[string]float64{}, Intervals: map[string]stats.Interval{}}
		for _, col := range out.Columns {
			iv := stats.OverTrials(values[k][col.Name])
			row.Values[col.Name] = iv.Point
			if iv.N > 0 {
				row.Intervals[col.Name] = iv
			}
		}
		out.Rows = append(out.Rows, row)
	}
	out.Sort()
	return out
}

// addWithinRun gives the sampled columns of a one-trial table their within-run interval.
func (t *Table) addWithinRun(s Samples) {
	for i := range t.Rows {
		r := &t.Rows[i]
		for col := range sampled {
			point, ok := r.Values[col]
			if !ok || math.IsNaN(point) {
				continue
			}
			if r.Intervals == nil {
				r.Intervals = map[string]stats.Interval{}
			}
			r.Intervals[col] = stats.WithinRun(point, s[Key{r.Server, r.Scenario}][col])
		}
	}
	t.Sort()
}

// TrialsNote is the sentence every output prints about how sure its figures are. It speaks
// of a ± only when a cell shows one: a seconds-long one-trial run (--quick) has too few
// per-second samples for a within-run interval, and its cells are plain figures.
func (t *Table) TrialsNote() string {
	if len(t.Trials) <= 1 && !t.showsInterval() {
		if hasSampled(t.Columns) {
			return "1 trial: no interval (too few per-second samples in this run for one); a single run's figures say nothing of run-to-run drift. Use --trials 3 or more."
		}
		return "1 trial: no interval; a single run's figures say nothing of run-to-run drift. Use --trials 3 or more."
	}
	if len(t.Trials) <= 1 {
		return "1 trial: ± is the 95 % interval within this one run (batch means of per-second samples; req/s, p95 and CPU only), " +
			"blind to run-to-run drift; ranks are not to be trusted across runs. Use --trials 3 or more."
	}
	return fmt.Sprintf("%d trials: each cell is the mean over trials ± its 95 %% interval (Student's t); "+
		"≈ marks a rank tied with the first of its group (their intervals overlap).", len(t.Trials))
}

// showsInterval reports whether any cell of the table is printed with a ± (FormatInterval).
func (t *Table) showsInterval() bool {
	for _, r := range t.Rows {
		for _, col := range t.Columns {
			if strings.Contains(FormatInterval(col, r.Interval(col)), " ±") {
				return true
			}
		}
	}
	return false
}
