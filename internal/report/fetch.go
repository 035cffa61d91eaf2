package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/stats"
)

// Options of Fetch.
type Options struct {
	Compare []string       // servers of the normalized comparison; empty: the Servers marked WriteupCompare when all ran, else every server
	Servers []servers.Info // runtime and framework of known servers (servers.yaml); optional
	Steps   int            // points per line of the over-the-run charts; 0 means 300
	Table   *results.Table // the run's results table (all trials) when the caller already fetched it; nil: fetched here
	// Tables are the run's scenario tables when the caller already fetched them; nil:
	// fetched here for the scenarios the results table has rows of.
	Tables []*results.Table
	Sweep  *Sweep // the run's sweep when the caller already has it; nil: read from Prometheus (FetchSweep)
	Duet   *Duet  // the run's side-by-side verdict; nil: none
}

// Fetch reads everything the report shows for one run from Prometheus. The results table
// and the stress bars (with error bars) cover every trial; the other charts draw the first.
func Fetch(ctx context.Context, q *run.Querier, id string, trials []run.Trial, o Options) (*Data, error) {
	var err error
	if len(trials) == 0 {
		return nil, fmt.Errorf("report: run %q has no trials", id)
	}
	table := o.Table
	if table == nil {
		if table, err = results.FetchRun(ctx, q, id, trials); err != nil {
			return nil, err
		}
	}
	tables := o.Tables
	if tables == nil {
		ran := func(scenario string) bool { return hasScenario(table, scenario) }
		if tables, err = results.FetchScenarioTables(ctx, q, id, trials, ran); err != nil {
			return nil, err
		}
	}
	first := trials[0]
	start, end := table.Start, table.End
	if start.IsZero() {
		start, end = first.Start, first.End
	}
	f := fetcher{ctx: ctx, q: q, end: first.End, vars: first.Vars(first.TestID)}
	d := &Data{TestID: id, Start: start, End: end, Table: table, Tables: tables, Sweep: o.Sweep, Duet: o.Duet, Servers: o.Servers}
	if d.Findings, err = results.FetchFindings(ctx, q, id, trials); err != nil {
		return nil, err
	}
	if d.Sweep == nil {
		if d.Sweep, err = FetchSweep(ctx, q, id, first.Start); err != nil {
			return nil, fmt.Errorf("the sweep: %w", err)
		}
	}
	if d.Machine, err = f.machine(id); err != nil {
		return nil, err
	}
	if d.Loads, err = f.loads(); err != nil {
		return nil, err
	}
	for _, c := range catalog.Columns {
		if c.Stress.Name != "" {
			d.Stress = append(d.Stress, stressChart(c.Stress, table, c.Query))
		}
	}
	if d.Delta, err = f.chart(catalog.ThroughputDelta); err != nil {
		return nil, err
	}
	if d.Share, err = f.chart(catalog.MemoryShare); err != nil {
		return nil, err
	}
	if d.RuntimeShare, err = f.chartBy(catalog.MemoryShareByRuntime, "runtime"); err != nil {
		return nil, err
	}
	d.Compare = compareSet(o.Compare, servers.WriteupCompareNames(o.Servers), d.Loads)
	if d.Scores, err = f.scores(d.Compare); err != nil {
		return nil, err
	}
	steps := o.Steps
	if steps <= 0 {
		steps = 300
	}
	for _, q := range []catalog.Query{catalog.SeriesReqPerSecond, catalog.SeriesP95} {
		ls, err := f.lines(q, first.Start, first.End, steps)
		if err != nil {
			return nil, err
		}
		d.Series = append(d.Series, ls)
	}
	return d, nil
}

func hasScenario(t *results.Table, scenario string) bool {
	for _, r := range t.Rows {
		if r.Scenario == scenario {
			return true
		}
	}
	return false
}

// stressChart draws a stress chart (catalog.Column.Stress) from the run's table — the mean over trials of the
// results column the chart's query also computes, with its interval — so that bar, error
// bar and table agree and nothing is queried twice. Bars go largest first; tied bars are
// marked as the table's ranks are (stats.Ties).
func stressChart(q catalog.Query, t *results.Table, col catalog.Query) Chart {
	c := Chart{Query: q.Name, Title: q.Title, Unit: unitLabel(q.Unit)}
	for _, r := range t.Rows {
		if r.Scenario != catalog.ScenarioStress {
			continue
		}
		iv := r.Interval(col)
		b := Bar{Server: r.Server, Value: iv.Point, Lo: math.NaN(), Hi: math.NaN()}
		if iv.Known() {
			b.Lo, b.Hi = iv.Lo, iv.Hi
		}
		c.Bars = append(c.Bars, b)
	}
	sort.SliceStable(c.Bars, func(i, j int) bool {
		if c.Bars[i].Value != c.Bars[j].Value {
			return c.Bars[i].Value > c.Bars[j].Value
		}
		return c.Bars[i].Server < c.Bars[j].Server
	})
	ivs := make([]stats.Interval, len(c.Bars))
	for i, b := range c.Bars {
		ivs[i] = stats.Interval{Point: b.Value, Lo: b.Lo, Hi: b.Hi, Method: stats.MethodTrials}
	}
	for i, tied := range stats.Ties(ivs) {
		c.Bars[i].Tied = tied
	}
	return c
}

type fetcher struct {
	ctx  context.Context
	q    *run.Querier
	end  time.Time
	vars catalog.Vars
}

func (f fetcher) instant(q catalog.Query, vars catalog.Vars) (model.Vector, error) {
	return f.q.Instant(f.ctx, q, vars, f.end)
}

// machine reads ssebench_run_info, pushed once per run under the run id.
func (f fetcher) machine(id string) (map[string]string, error) {
	vars := f.vars
	vars.TestID = id
	vec, err := f.instant(catalog.RunInfo, vars)
	if err != nil || len(vec) == 0 {
		return nil, err
	}
	m := map[string]string{}
	for k, v := range vec[0].Metric {
		m[string(k)] = string(v)
	}
	return m, nil
}

func (f fetcher) loads() ([]Load, error) {
	vec, err := f.instant(catalog.ServersOfRun, f.vars)
	if err != nil {
		return nil, err
	}
	durations, err := f.instant(catalog.LoadSeconds, f.vars)
	if err != nil {
		return nil, err
	}
	seconds := map[[2]string]float64{}
	for _, s := range durations {
		seconds[[2]string{string(s.Metric["server"]), string(s.Metric["scenario"])}] = float64(s.Value)
	}
	var out []Load
	for _, s := range vec {
		l := Load{Server: string(s.Metric["server"]), Scenario: string(s.Metric["scenario"]), MaxVUs: float64(s.Value), Seconds: math.NaN()}
		if d, ok := seconds[[2]string{l.Server, l.Scenario}]; ok {
			l.Seconds = d
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Server != out[j].Server {
			return out[i].Server < out[j].Server
		}
		return out[i].Scenario < out[j].Scenario
	})
	return out, nil
}

// chart is one value per server, largest first (the writeup's bar order).
func (f fetcher) chart(q catalog.Query) (Chart, error) { return f.chartBy(q, "server") }

// chartBy makes one bar per value of label (in Bar.Server).
func (f fetcher) chartBy(q catalog.Query, label model.LabelName) (Chart, error) {
	vec, err := f.instant(q, f.vars)
	if err != nil {
		return Chart{}, err
	}
	c := Chart{Query: q.Name, Title: q.Title, Unit: unitLabel(q.Unit)}
	for _, s := range vec {
		c.Bars = append(c.Bars, Bar{Server: string(s.Metric[label]), Value: float64(s.Value)})
	}
	sort.SliceStable(c.Bars, func(i, j int) bool {
		if c.Bars[i].Value != c.Bars[j].Value {
			return c.Bars[i].Value > c.Bars[j].Value
		}
		return c.Bars[i].Server < c.Bars[j].Server
	})
	return c, nil
}

func (f fetcher) scores(compare []string) (Scores, error) {
	vars := f.vars
	vars.Compare = compare
	s := Scores{Servers: compare}
	index := map[string]int{}
	for i, server := range compare {
		index[server] = i
		s.Values = append(s.Values, nanRow(len(catalog.ScoreAxes)))
	}
	for j, q := range catalog.ScoreAxes {
		s.Axes = append(s.Axes, q.Title)
		vec, err := f.instant(q, vars)
		if err != nil {
			return Scores{}, err
		}
		for _, sample := range vec {
			if i, ok := index[string(sample.Metric["server"])]; ok {
				s.Values[i][j] = float64(sample.Value)
			}
		}
	}
	return s, nil
}

func nanRow(n int) []float64 {
	r := make([]float64, n)
	for i := range r {
		r[i] = math.NaN()
	}
	return r
}

func (f fetcher) lines(q catalog.Query, start, end time.Time, steps int) (Lines, error) {
	step := max(end.Sub(start)/time.Duration(steps), time.Second).Round(time.Second)
	matrix, err := f.q.Range(f.ctx, q, f.vars, v1.Range{Start: start, End: end, Step: step})
	if err != nil {
		return Lines{}, fmt.Errorf("report: %w", err)
	}
	ls := Lines{Query: q.Name, Title: q.Title, Unit: unitLabel(q.Unit)}
	for _, stream := range matrix {
		l := Line{Server: string(stream.Metric["server"]), Scenario: string(stream.Metric["scenario"])}
		for _, p := range stream.Values {
			l.Points = append(l.Points, Point{T: p.Timestamp.Time(), V: float64(p.Value)})
		}
		ls.Lines = append(ls.Lines, l)
	}
	sort.Slice(ls.Lines, func(i, j int) bool {
		a, b := ls.Lines[i], ls.Lines[j]
		return a.Server < b.Server || (a.Server == b.Server && a.Scenario < b.Scenario)
	})
	return ls, nil
}

// compareSet is the explicit choice, else the writeup's three when all ran, else every server.
func compareSet(explicit, writeup []string, loads []Load) []string {
	if len(explicit) > 0 {
		return explicit
	}
	ran := map[string]bool{}
	var all []string
	for _, l := range loads {
		if !ran[l.Server] {
			ran[l.Server] = true
			all = append(all, l.Server)
		}
	}
	if len(writeup) == 0 {
		return all
	}
	for _, s := range writeup {
		if !ran[s] {
			return all
		}
	}
	return append([]string(nil), writeup...)
}

func unitLabel(u catalog.Unit) string {
	switch u {
	case catalog.UnitReqPerSec:
		return "req/s"
	case catalog.UnitMillis:
		return "ms"
	case catalog.UnitSeconds:
		return "s"
	case catalog.UnitPercent:
		return "%"
	case catalog.UnitMiB:
		return "MB"
	case catalog.UnitScore:
		return "score"
	}
	return ""
}
