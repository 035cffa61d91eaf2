// Package results computes the writeup's results table for one run from Prometheus, using
// only the catalog's results-table queries, and prints it as text, Markdown or JSON.
package results

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/catalog"
)

// Row is one (server, scenario) of the table.
type Row struct {
	Server   string             `json:"server"`
	Scenario string             `json:"scenario"`
	Values   map[string]float64 `json:"values"` // catalog query name → value; NaN when Prometheus had none
}

// Value returns the row's value of one column, NaN when absent.
func (r Row) Value(q catalog.Query) float64 {
	v, ok := r.Values[q.Name]
	if !ok {
		return math.NaN()
	}
	return v
}

// Table is the results of one run.
type Table struct {
	TestID  string          `json:"testid"`
	Start   time.Time       `json:"start"`
	End     time.Time       `json:"end"`
	Columns []catalog.Query `json:"-"`
	Rows    []Row           `json:"rows"`
}

// QueryTimeout bounds each PromQL query of the table.
const QueryTimeout = 30 * time.Second

// Fetch evaluates every results-table column at end, over the window [start, end].
func Fetch(ctx context.Context, api v1.API, testid string, start, end time.Time) (*Table, error) {
	if !end.After(start) {
		return nil, fmt.Errorf("results: window end %s is not after start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	vars := catalog.Vars{TestID: testid, Range: end.Sub(start) + 2*time.Second}
	t := &Table{TestID: testid, Start: start, End: end, Columns: catalog.ResultsColumns}
	rows := map[[2]string]*Row{}
	for _, col := range t.Columns {
		vec, err := Instant(ctx, api, col, vars, end)
		if err != nil {
			return nil, err
		}
		for _, s := range vec {
			key := [2]string{string(s.Metric["server"]), string(s.Metric["scenario"])}
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

// Instant renders q with vars and evaluates it at ts, returning its vector.
func Instant(ctx context.Context, api v1.API, q catalog.Query, vars catalog.Vars, ts time.Time) (model.Vector, error) {
	expr, err := q.Render(vars)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	val, _, _, err := api.Query(ctx, expr, ts)
	if err != nil {
		return nil, fmt.Errorf("results: query %s: %w", q.Name, err)
	}
	vec, ok := val.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("results: query %s returned %s, want a vector", q.Name, val.Type())
	}
	return vec, nil
}

// Sort orders rows as the writeup does: baseline before stress, then fastest first.
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
		ra, rb := a.Value(catalog.ResultsReqPerSecond), b.Value(catalog.ResultsReqPerSecond)
		if ra != rb && !math.IsNaN(ra) && !math.IsNaN(rb) {
			return ra > rb
		}
		return a.Server < b.Server
	})
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
