package compare

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

// Options configure a comparison of Candidate against Baseline (one or more runs).
type Options struct {
	API       v1.API
	Candidate string   // the run being judged (testid)
	Baseline  []string // the run(s) it is judged against; several are pooled (median point, pooled samples)
	Lookback  time.Duration
	Now       time.Time // default time.Now()
	Resamples int       // bootstrap resamples; default 4000
	Seed      uint64    // bootstrap seed, for reproducible intervals
}

// Confidence of the intervals.
const Confidence = 0.95

// Cell is one results-table column of one server × scenario.
type Cell struct {
	Column      string  `json:"column"` // catalog query name; Cell is not marshalled directly (NaN), see WriteJSON
	Title       string  `json:"title"`
	Better      string  `json:"better"`
	Baseline    float64 `json:"baseline"`
	Candidate   float64 `json:"candidate"`
	Delta       float64 `json:"delta"`   // candidate/baseline - 1; NaN when either is missing or baseline is 0
	CILow       float64 `json:"ci_low"`  // bounds of the 95 % interval of the delta; NaN without samples
	CIHigh      float64 `json:"ci_high"` //
	Samples     [2]int  `json:"samples"` // per-second samples (baseline, candidate) behind the interval
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

type runData struct {
	table   *results.Table
	samples runSamples
}

// Compare fetches every run and compares them.
func Compare(ctx context.Context, o Options) (*Report, error) {
	if o.API == nil {
		return nil, errors.New("compare: no Prometheus API")
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
	if o.Resamples <= 0 {
		o.Resamples = 4000
	}
	cand, err := fetchRun(ctx, o, o.Candidate)
	if err != nil {
		return nil, err
	}
	var base []runData
	for _, id := range o.Baseline {
		d, err := fetchRun(ctx, o, id)
		if err != nil {
			return nil, err
		}
		base = append(base, d)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eb))
	rep := &Report{Candidate: o.Candidate, Baseline: o.Baseline}
	for _, k := range keysOf(cand.table) {
		row := Row{Server: k.Server, Scenario: k.Scenario}
		for _, col := range catalog.ResultsColumns {
			row.Cells = append(row.Cells, compareCell(col, k, base, cand, o.Resamples, rng))
		}
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

func fetchRun(ctx context.Context, o Options, testid string) (runData, error) {
	start, end, err := Span(ctx, o.API, testid, o.Lookback, o.Now)
	if err != nil {
		return runData{}, err
	}
	t, err := results.Fetch(ctx, o.API, testid, start, end)
	if err != nil {
		return runData{}, err
	}
	s, err := fetchSamples(ctx, o.API, testid, start, end)
	if err != nil {
		return runData{}, err
	}
	return runData{table: t, samples: s}, nil
}

func keysOf(t *results.Table) []key {
	var out []key
	for _, r := range t.Rows {
		out = append(out, key{r.Server, r.Scenario})
	}
	return out
}

func compareCell(col catalog.Query, k key, base []runData, cand runData, resamples int, rng *rand.Rand) Cell {
	c := Cell{Column: col.Name, Title: col.Title, Better: col.Better, CILow: math.NaN(), CIHigh: math.NaN(), Delta: math.NaN()}
	var basePoints, baseSamples []float64
	for _, b := range base {
		if row, ok := b.table.Find(k.Server, k.Scenario); ok {
			basePoints = append(basePoints, row.Value(col))
		}
		baseSamples = append(baseSamples, b.samples[k][col.Name]...)
	}
	c.Baseline = median(basePoints)
	c.Candidate = math.NaN()
	if row, ok := cand.table.Find(k.Server, k.Scenario); ok {
		c.Candidate = row.Value(col)
	}
	if c.Baseline != 0 && !math.IsNaN(c.Baseline) && !math.IsNaN(c.Candidate) {
		c.Delta = c.Candidate/c.Baseline - 1
	}
	if _, ok := sampled[col.Name]; !ok {
		return c
	}
	candSamples := cand.samples[k][col.Name]
	c.Samples = [2]int{len(baseSamples), len(candSamples)}
	if lo, hi, ok := bootstrapRelative(baseSamples, candSamples, resamples, 1-Confidence, rng); ok {
		c.CILow, c.CIHigh = lo, hi
		c.Significant = lo > 0 || hi < 0
	}
	return c
}

// sortedRows orders rows as the results table does.
func (r *Report) sortRows() {
	sort.SliceStable(r.Rows, func(i, j int) bool {
		if r.Rows[i].Scenario != r.Rows[j].Scenario {
			return r.Rows[i].Scenario < r.Rows[j].Scenario
		}
		return r.Rows[i].Server < r.Rows[j].Server
	})
}
