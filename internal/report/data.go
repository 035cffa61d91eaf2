// Package report renders one run as a self-contained HTML page that rebuilds the writeup —
// machine, servers, scenarios, results table and every chart as inline SVG drawn by
// gonum/plot — plus results.md, the table in Markdown for a pull request.
//
// Every number comes from Prometheus through the query catalog (Fetch); Render takes the
// fetched Data, so it is tested without Prometheus.
package report

import (
	"time"

	"github.com/ssebench/ssebench/internal/duet"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/servers"
)

// Data is everything one report shows.
type Data struct {
	TestID  string
	Start   time.Time
	End     time.Time
	Machine map[string]string // ssebench_run_info labels (catalog.RunInfo); empty when absent
	Servers []servers.Info    // servers under test, in display order
	Loads   []Load            // (server, scenario) pairs the run loaded, with their VUs
	Table   *results.Table    // the writeup's full results, every scenario the run loaded
	// Tables are the run's scenario tables (catalog.ScenarioTables: the cost table, the
	// failure modes'), one per scenario the run had that has one.
	Tables []*results.Table
	// Sweep is the capacity under the SLO; nil when the run had no sweep.
	Sweep *Sweep
	// Duet is the side-by-side verdict; nil when the run had none.
	Duet *Duet
	// Findings are what the run shows beyond the numbers: a server that buffers the stream.
	Findings []results.Finding

	Stress       []Chart // stress top-line bar charts: throughput, p95, CPU, memory
	Delta        Chart   // baseline vs stress throughput delta
	Scores       Scores  // 3-way normalized comparison
	Share        Chart   // memory share by server (stress peak RSS %)
	RuntimeShare Chart   // the same by runtime (Bar.Server holds the runtime), for the caption
	Series       []Lines // over the run: req/s and p95
	Compare      []string
}

// Duet is the side-by-side verdict with one line saying what it rests on.
type Duet struct {
	Summary string // rounds, time, rate, why it stopped, how CPU was read
	Verdict duet.Verdict
}

// Load is one (server, scenario) of the run: its largest VU count and how long it lasted
// (NaN when unknown: real k6 sends no elapsed time).
type Load struct {
	Server, Scenario string
	MaxVUs           float64
	Seconds          float64
}

// Bar is one server's value in a bar chart, with its 95 % interval (NaN when unknown)
// drawn as an error bar.
type Bar struct {
	Server string
	Value  float64
	Lo, Hi float64
	Tied   bool // its interval overlaps the bar ranked above it
}

// Chart is one catalog query's value per server.
type Chart struct {
	Query string // catalog query name
	Title string
	Unit  string // axis label
	Bars  []Bar
}

// Scores holds the normalized comparison: Values[i][j] is server i's score on axis j.
type Scores struct {
	Axes    []string
	Servers []string
	Values  [][]float64
}

// Point is one sample of a line.
type Point struct {
	T time.Time
	V float64
}

// Line is one (server, scenario) over the run.
type Line struct {
	Server, Scenario string
	Points           []Point
}

// Lines is one catalog range query.
type Lines struct {
	Query string
	Title string
	Unit  string
	Lines []Line
}
