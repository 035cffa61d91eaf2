package compare

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/stats"
)

// Options configure a comparison of Candidate against Baseline (one or more runs).
type Options struct {
	Querier   *run.Querier
	Candidate string   // the run being judged (run id; its trials are found)
	Baseline  []string // the run(s) it is judged against; every trial of every one is one value
	Lookback  time.Duration
	Now       time.Time // default time.Now()
}

// Confidence of the intervals.
const Confidence = stats.Confidence

// Cell is one results-table column of one server × scenario.
type Cell struct {
	Column      string  `json:"column"` // catalog query name; Cell is not marshalled directly (NaN), see WriteJSON
	Title       string  `json:"title"`
	Better      string  `json:"better"`
	Baseline    float64 `json:"baseline"`  // mean over the baseline's trials
	Candidate   float64 `json:"candidate"` // mean over the candidate's trials
	Delta       float64 `json:"delta"`     // candidate/baseline - 1; NaN when either is missing or baseline is 0
	CILow       float64 `json:"ci_low"`    // bounds of the 95 % interval of the delta; NaN when not judged
	CIHigh      float64 `json:"ci_high"`   //
	Trials      [2]int  `json:"trials"`    // trials behind each side (baseline, candidate)
	Method      string  `json:"method"`
	Significant bool    `json:"significant"`
}

// Worse reports whether the candidate is worse than the baseline in this column.
func (c Cell) Worse() bool {
	switch c.Better {
	case "higher":
		return c.Delta < 0
	case "lower":
		return c.Delta > 0
	}
	return false
}

// Regression reports a significant change for the worse larger than threshold (relative).
func (c Cell) Regression(threshold float64) bool {
	return c.Significant && c.Worse() && math.Abs(c.Delta) > threshold
}

// Row is one server × scenario.
type Row struct {
	Server   string `json:"server"`
	Scenario string `json:"scenario"`
	Cells    []Cell `json:"cells"`
}

// Report is the whole comparison.
type Report struct {
	Candidate string   `json:"candidate"`
	Baseline  []string `json:"baseline"`
	Rows      []Row    `json:"rows"`
	Trials    [2]int   `json:"trials"` // trials found (baseline, candidate)
}

// Regressions lists the cells that regressed beyond threshold, as "server/scenario column".
func (r *Report) Regressions(threshold float64) []string {
	var out []string
	for _, row := range r.Rows {
		for _, c := range row.Cells {
			if c.Regression(threshold) {
				out = append(out, fmt.Sprintf("%s/%s %s %+.1f %%", row.Server, row.Scenario, c.Title, 100*c.Delta))
			}
		}
	}
	return out
}

// key is one server × scenario.
type key struct{ Server, Scenario string }

// side is every trial table of one side of the comparison.
type side []*results.Table

// values are one column's per-trial values of one server × scenario.
func (s side) values(k key, col catalog.Query) []float64 {
	var out []float64
	for _, t := range s {
		if row, ok := t.Find(k.Server, k.Scenario); ok {
			if v := row.Value(col); !math.IsNaN(v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// Compare fetches every trial of every run and compares them, cell by cell, with the
// run-to-run spread of the trials (stats.Relative): the same method the results table's
// intervals use, so an A/A comparison finds about 1 cell in 20 significant, not more.
func Compare(ctx context.Context, o Options) (*Report, error) {
	if o.Querier == nil {
		return nil, errors.New("compare: no Prometheus querier")
	}
	if o.Candidate == "" || len(o.Baseline) == 0 {
		return nil, errors.New("compare: need a candidate run and at least one baseline run")
	}
	if o.Lookback <= 0 {
		return nil, fmt.Errorf("compare: lookback %s must be positive", o.Lookback)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	duet, err := compareDuets(ctx, o)
	if err != nil {
		return nil, err
	}
	cand, err := fetchSide(ctx, o, []string{o.Candidate})
	if err != nil && len(duet) == 0 {
		return nil, err
	}
	var base side
	if err == nil {
		if base, err = fetchSide(ctx, o, o.Baseline); err != nil {
			return nil, err
		}
	} // else: runs of the side-by-side procedure alone
	rep := &Report{Candidate: o.Candidate, Baseline: o.Baseline, Trials: [2]int{len(base), len(cand)}}
	for _, k := range keysOf(cand) {
		row := Row{Server: k.Server, Scenario: k.Scenario}
		for _, col := range catalog.ResultsColumns {
			row.Cells = append(row.Cells, compareCell(col, base.values(k, col), cand.values(k, col)))
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.Rows = append(rep.Rows, duet...)
	rep.sortRows()
	return rep, nil
}

// compareDuets compares the side-by-side ratios when both sides ran one.
func compareDuets(ctx context.Context, o Options) ([]Row, error) {
	cand, err := fetchDuetRatios(ctx, o.Querier, o.Candidate, o.Now, o.Lookback)
	if err != nil || len(cand) == 0 {
		return nil, err
	}
	var bases []duetRatios
	for _, id := range o.Baseline {
		b, err := fetchDuetRatios(ctx, o.Querier, id, o.Now, o.Lookback)
		if err != nil {
			return nil, err
		}
		bases = append(bases, b)
	}
	return duetRows(mergeDuet(bases), cand), nil
}

func fetchSide(ctx context.Context, o Options, ids []string) (side, error) {
	var s side
	for _, id := range ids {
		trials, err := o.Querier.Trials(ctx, id, o.Now, o.Lookback)
		if err != nil {
			return nil, fmt.Errorf("compare: %w", err)
		}
		for _, tr := range trials {
			t, err := results.Fetch(ctx, o.Querier, tr.TestID, tr.Window)
			if err != nil {
				return nil, fmt.Errorf("compare: %s: %w", tr.TestID, err)
			}
			s = append(s, t)
		}
	}
	return s, nil
}

func keysOf(s side) []key {
	seen := map[key]bool{}
	var out []key
	for _, t := range s {
		for _, r := range t.Rows {
			k := key{r.Server, r.Scenario}
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func compareCell(col catalog.Query, base, cand []float64) Cell {
	d := stats.Relative(base, cand)
	return Cell{Column: col.Name, Title: col.Title, Better: col.Better, Baseline: d.Base, Candidate: d.Cand,
		Delta: d.Delta, CILow: d.Lo, CIHigh: d.Hi, Trials: d.N, Method: d.Method, Significant: d.Significant}
}

// sortRows orders rows by scenario, then server.
func (r *Report) sortRows() {
	sort.SliceStable(r.Rows, func(i, j int) bool {
		if r.Rows[i].Scenario != r.Rows[j].Scenario {
			return r.Rows[i].Scenario < r.Rows[j].Scenario
		}
		return r.Rows[i].Server < r.Rows[j].Server
	})
}
