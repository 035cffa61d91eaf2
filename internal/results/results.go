// Package results computes the writeup's results table for one run from Prometheus, using
// only the catalog's results-table queries, and prints it as text, Markdown or JSON. A run
// of several trials gives each cell the mean over trials and its 95 % interval; a run of
// one trial gives the within-run interval of the columns sampled per second.
package results

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/stats"
)

// Row is one (server, scenario) of the table.
type Row struct {
	Server    string                    `json:"server"`
	Scenario  string                    `json:"scenario"`
	Values    map[string]float64        `json:"values"`              // catalog query name → point (mean over trials); NaN when Prometheus had none
	Intervals map[string]stats.Interval `json:"intervals,omitempty"` // catalog query name → 95 % interval, where known
	Rank      int                       `json:"rank,omitempty"`      // by the table's RankBy within the scenario, 1 = best; tied rows share a rank; 0 for the reference
	Tied      bool                      `json:"tied,omitempty"`      // its interval overlaps the one ranked above it
}

// Value returns the row's value of one column, NaN when absent.
func (r Row) Value(q catalog.Query) float64 {
	v, ok := r.Values[q.Name]
	if !ok {
		return math.NaN()
	}
	return v
}

// Interval returns the row's interval of one column; unknown bounds when there is none.
func (r Row) Interval(q catalog.Query) stats.Interval {
	if iv, ok := r.Intervals[q.Name]; ok {
		return iv
	}
	return stats.Interval{Point: r.Value(q), Lo: math.NaN(), Hi: math.NaN(), Method: stats.MethodNone}
}

// Reference is the row measured with no proxy in front (the stub alone): the zero line of
// every comparison, shown but never ranked.
const Reference = catalog.ReferenceServer

// IsReference reports whether the row is the direct baseline.
func (r Row) IsReference() bool { return r.Server == Reference }

// Table is the results of one run.
type Table struct {
	TestID string `json:"testid"` // the run id
	// Scenario is the scenario of a scenario's own table (catalog.ScenarioTables); "" for
	// the results table, which has a row for every scenario.
	Scenario string          `json:"scenario,omitempty"`
	Trials   []string        `json:"trials"` // the testid of each trial
	Start    time.Time       `json:"start"`
	End      time.Time       `json:"end"`
	Columns  []catalog.Query `json:"-"`
	RankBy   catalog.Query   `json:"-"` // the column rows are ranked by; its Better says which way
	Rows     []Row           `json:"rows"`
}

// Fetch evaluates every results-table column of one testid at its window's end.
func Fetch(ctx context.Context, q *run.Querier, testid string, w run.Window) (*Table, error) {
	return FetchColumns(ctx, q, testid, w, catalog.ResultsColumns, catalog.ResultsReqPerSecond)
}

// FetchColumns evaluates columns of one testid at its window's end, ranked by rankBy.
func FetchColumns(ctx context.Context, q *run.Querier, testid string, w run.Window, columns []catalog.Query, rankBy catalog.Query) (*Table, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	vars := w.Vars(testid)
	t := &Table{TestID: testid, Trials: []string{testid}, Start: w.Start, End: w.End, Columns: columns, RankBy: rankBy}
	rows := map[[2]string]*Row{}
	for _, col := range t.Columns {
		vec, err := q.Instant(ctx, col, vars, w.End)
		if err != nil {
			return nil, err
		}
		for _, s := range vec {
			key := [2]string{string(s.Metric[run.LabelServer]), string(s.Metric[run.LabelScenario])}
			r, ok := rows[key]
			if !ok {
				r = &Row{Server: key[0], Scenario: key[1], Values: map[string]float64{}}
				rows[key] = r
			}
			r.Values[col.Name] = float64(s.Value)
		}
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, *r)
	}
	t.Sort()
	return t, nil
}

// Sort orders rows as the writeup does: baseline before stress, then fastest first, the
// reference first in its scenario; then ranks them.
func (t *Table) Sort() {
	order := map[string]int{catalog.ScenarioBaseline: 0, catalog.ScenarioStress: 1}
	rank := func(s string) int {
		if o, ok := order[s]; ok {
			return o
		}
		return len(order)
	}
	sort.SliceStable(t.Rows, func(i, j int) bool {
		a, b := t.Rows[i], t.Rows[j]
		if rank(a.Scenario) != rank(b.Scenario) {
			return rank(a.Scenario) < rank(b.Scenario)
		}
		if a.Scenario != b.Scenario {
			return a.Scenario < b.Scenario
		}
		if a.IsReference() != b.IsReference() {
			return a.IsReference()
		}
		ra, rb := a.Value(t.rankBy()), b.Value(t.rankBy())
		if ra != rb && !math.IsNaN(ra) && !math.IsNaN(rb) {
			return (ra > rb) == (t.rankBy().Better != "lower")
		}
		return a.Server < b.Server
	})
	t.rank()
}

// rank numbers the rows of each scenario by the ranking column; rows whose intervals tie
// (stats.Ties) share the rank of the first row of their group. The reference is not ranked.
func (t *Table) rank() {
	for start := 0; start < len(t.Rows); {
		end := start
		for end < len(t.Rows) && t.Rows[end].Scenario == t.Rows[start].Scenario {
			end++
		}
		var ranked []*Row
		var ivs []stats.Interval
		for i := start; i < end; i++ {
			r := &t.Rows[i]
			r.Rank, r.Tied = 0, false
			if !r.IsReference() {
				ranked = append(ranked, r)
				ivs = append(ivs, r.Interval(t.rankBy()))
			}
		}
		for i, tied := range stats.Ties(ivs) {
			ranked[i].Rank, ranked[i].Tied = i+1, tied
			if tied {
				ranked[i].Rank = ranked[i-1].Rank
			}
		}
		start = end
	}
}

func (t *Table) rankBy() catalog.Query {
	if t.RankBy.Name == "" {
		return catalog.ResultsReqPerSecond
	}
	return t.RankBy
}

// Find returns the row of one server and scenario.
func (t *Table) Find(server, scenario string) (Row, bool) {
	for _, r := range t.Rows {
		if r.Server == server && r.Scenario == scenario {
			return r, true
		}
	}
	return Row{}, false
}
