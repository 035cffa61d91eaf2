package report

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/servers"
)

// writeupRows are the writeup's stress results (req/s, avg, p95, max, cpu, mem, fail).
var writeupRows = []struct {
	server, runtime, framework string
	v                          [7]float64
}{
	{"bun-hono", "Bun", "Hono 4.6", [7]float64{1609.6, 43.9, 115.4, 356.0, 61.8, 129.0, 0}},
	{"bun-http", "Bun", "Bun.serve()", [7]float64{1543.1, 45.8, 125.4, 312.8, 66.0, 122.1, 0}},
	{"go-http", "Go", "net/http", [7]float64{1423.8, 49.7, 201.8, 942.8, 82.6, 37.4, 0}},
	{"go-fiber", "Go", "Fiber v2", [7]float64{1410.6, 50.2, 207.5, 973.2, 78.5, 35.8, 0}},
	{"go-gin", "Go", "Gin 1.10", [7]float64{1373.4, 51.6, 213.2, 1052.0, 81.8, 41.7, 0}},
	{"rust-axum", "Rust", "axum 0.7 + hyper 1", [7]float64{1187.1, 59.8, 268.8, 1751.7, 102.5, 23.4, 0}},
	{"rust-actix", "Rust", "actix-web 4", [7]float64{1123.7, 63.1, 294.3, 1543.9, 107.6, 25.5, 0}},
	{"rust-http", "Rust", "std::net", [7]float64{813.1, 87.2, 286.4, 966.7, 120.8, 18.1, 0}},
}

// sampleData is a hand-made run shaped like the writeup: eight servers, both scenarios,
// every chart filled, one missing cell (rust-http baseline CPU) to show the placeholder.
func sampleData() *Data {
	start := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	end := start.Add(20 * time.Minute)
	d := &Data{
		TestID: "20261127-0400", Start: start, End: end,
		Machine: map[string]string{"testid": "20261127-0400", "cpu_model": "Intel Core i5-7300HQ @ 2.50 GHz", "cpus": "4",
			"memory_bytes": "8589934592", "os": "CachyOS", "kernel": "7.0.12", "go_version": "go1.26.8",
			"bun_version": "1.2.0", "rust_version": "1.90.0", "git_commit": "dbf65c3"},
		Table: &results.Table{TestID: "20261127-0400", Start: start, End: end, Columns: catalog.ResultsColumns},
	}
	share := 0.0
	for _, r := range writeupRows {
		share += r.v[5]
	}
	var scores [][]float64
	for i, r := range writeupRows {
		d.Servers = append(d.Servers, servers.Info{Name: r.server, Runtime: r.runtime, Framework: r.framework})
		for _, scenario := range []string{catalog.ScenarioBaseline, catalog.ScenarioStress} {
			vus := 10.0
			scale := 0.95
			if scenario == catalog.ScenarioStress {
				vus, scale = 200, 1
			}
			d.Loads = append(d.Loads, Load{Server: r.server, Scenario: scenario, MaxVUs: vus, Seconds: map[bool]float64{true: 60, false: 70}[scenario == catalog.ScenarioBaseline]})
			row := results.Row{Server: r.server, Scenario: scenario, Values: map[string]float64{}}
			for j, c := range catalog.ResultsColumns[:len(r.v)] {
				row.Values[c.Name] = r.v[j] * scale
			}
			row.Values[catalog.ResultsGoodputPercent.Name] = 100 - r.v[len(r.v)-1]*scale // all but the failed
			if r.server == "rust-http" && scenario == catalog.ScenarioBaseline {
				row.Values[catalog.ResultsCPUPercent.Name] = math.NaN()
			}
			d.Table.Rows = append(d.Table.Rows, row)
		}
		d.Stress = appendBar(d.Stress, 0, catalog.StressThroughput, r.server, r.v[0])
		d.Stress = appendBar(d.Stress, 1, catalog.StressP95, r.server, r.v[2])
		d.Stress = appendBar(d.Stress, 2, catalog.StressCPU, r.server, r.v[4])
		d.Stress = appendBar(d.Stress, 3, catalog.StressMemory, r.server, r.v[5])
		d.Delta = appendBar([]Chart{d.Delta}, 0, catalog.ThroughputDelta, r.server, float64(i*3)-13+boolTo(i == 0)*17)[0]
		d.Share = appendBar([]Chart{d.Share}, 0, catalog.MemoryShare, r.server, 100*r.v[5]/share)[0]
		d.Series = appendLine(d.Series, 0, catalog.SeriesReqPerSecond, r.server, start.Add(time.Duration(i)*2*time.Minute), r.v[0])
		d.Series = appendLine(d.Series, 1, catalog.SeriesP95, r.server, start.Add(time.Duration(i)*2*time.Minute), r.v[2])
		if r.server == "bun-hono" || r.server == "go-http" || r.server == "rust-axum" {
			scores = append(scores, []float64{100 * r.v[0] / 1609.6, 100 * 115.4 / r.v[2], 100 * 356.0 / r.v[3], 100 * 61.8 / r.v[4], 100 * 23.4 / r.v[5]})
		}
	}
	d.RuntimeShare = runtimeShares(d.Share)
	d.Table.Sort()
	writeup := []string{"bun-hono", "go-http", "rust-axum"}
	d.Compare = writeup
	d.Scores = Scores{Servers: writeup, Values: scores}
	for _, q := range catalog.ScoreAxes {
		d.Scores.Axes = append(d.Scores.Axes, q.Title)
	}
	return d
}

func appendBar(charts []Chart, i int, q catalog.Query, server string, v float64) []Chart {
	for len(charts) <= i {
		charts = append(charts, Chart{})
	}
	charts[i].Query, charts[i].Title, charts[i].Unit = q.Name, q.Title, unitLabel(q.Unit)
	charts[i].Bars = append(charts[i].Bars, Bar{Server: server, Value: v})
	return charts
}

// appendLine adds a baseline minute then a stress ramp for one server.
func appendLine(series []Lines, i int, q catalog.Query, server string, from time.Time, level float64) []Lines {
	for len(series) <= i {
		series = append(series, Lines{})
	}
	series[i].Query, series[i].Title, series[i].Unit = q.Name, q.Title, unitLabel(q.Unit)
	base := Line{Server: server, Scenario: catalog.ScenarioBaseline}
	stress := Line{Server: server, Scenario: catalog.ScenarioStress}
	for s := 0; s < 60; s += 2 {
		base.Points = append(base.Points, Point{T: from.Add(time.Duration(s) * time.Second), V: level * 0.9 * (1 + 0.03*math.Sin(float64(s)))})
	}
	for s := 0; s < 60; s += 2 {
		ramp := math.Min(1, float64(s)/20) * math.Min(1, float64(60-s)/10)
		stress.Points = append(stress.Points, Point{T: from.Add(time.Duration(62+s) * time.Second), V: level * (0.3 + 0.7*ramp)})
	}
	series[i].Lines = append(series[i].Lines, base, stress)
	return series
}

// runtimeShares is what share.memory_by_runtime_percent returns for the fixture's shares,
// largest first as fetcher.chart sorts.
func runtimeShares(share Chart) Chart {
	sum := map[string]float64{}
	for _, b := range share.Bars {
		sum[strings.SplitN(b.Server, "-", 2)[0]] += b.Value
	}
	c := Chart{Query: catalog.MemoryShareByRuntime.Name, Title: catalog.MemoryShareByRuntime.Title}
	for runtime, v := range sum {
		c.Bars = append(c.Bars, Bar{Server: runtime, Value: v})
	}
	sort.Slice(c.Bars, func(i, j int) bool { return c.Bars[i].Value > c.Bars[j].Value })
	return c
}
