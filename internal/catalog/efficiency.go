package catalog

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/metricname"
)

// The cost table: the efficiency scenario runs a fixed arrival rate every server sustains,
// so its figures say what a stream costs, not who saturates last. The reference row
// (server "direct", the stub alone) is the zero line of the added-latency columns.

// ScenarioEfficiency is the fixed-rate scenario of k6/scenarios.json.
const ScenarioEfficiency = "efficiency"

// ScenarioRealistic is the same kind of load with real traffic's shape: Poisson arrivals and
// answer lengths drawn from a lognormal.
const ScenarioRealistic = "realistic"

// ReferenceServer is the server label of the load sent straight to the stub.
const ReferenceServer = "direct"

// cpuMicrosPerStream is CPU time over completed streams: the average CPU fraction during
// the scenario divided by its request rate (both over the same window).
func cpuMicrosPerStream(s scope) string {
	return fmt.Sprintf(`1e6 * avg_over_time(%s[$__range:1s]) / (%s)`, s.duringLoad(serverCPU(s)), reqPerSecond(s))
}

// kibPerOpenStream is the resident memory the scenario added (peak minus the lowest RSS of
// the window, the server at rest) over the most streams open at once (active VUs).
func kibPerOpenStream(s scope) string {
	rss := fmt.Sprintf(`max by (server) (%s)`, s.process(metricname.ProcessRSS))
	return fmt.Sprintf(`(max_over_time(%s[$__range:1s]) - min_over_time(%s[$__range:1s])) / 1024
		/ max by (server, scenario) (max_over_time(%s[$__range]))`,
		s.duringLoad(serverPeakRSS(s)), s.duringLoad(rss), s.load(metricname.K6VUs))
}

func quantileMs(s scope, metric string, q float64) string {
	return "1000 * " + s.cell(quantileOf(q, metric))
}

// addedMs is a latency quantile of each server minus the reference's, in the same run.
func addedMs(s scope, metric string, q float64) string {
	ref := scope{serverVar: ReferenceServer, scenario: s.scenario}
	return fmt.Sprintf(`%s - on (scenario) group_left () max by (scenario) (%s)`,
		quantileMs(s, metric, q), quantileMs(ref, metric, q))
}

// CostColumns are the columns of a cost table: what a stream costs each server in one
// scenario that every server sustains, against the same load sent straight to the stub.
type CostColumns struct {
	ReqPerSecond, CPUMicros, KiBPerStream                    Query
	AddedTTFTP50, AddedTTFTP99, AddedGapP50, AddedGapP99     Query
	AddedDurationP50, AddedDurationP99, FailPercent, Goodput Query
}

// List is the table's columns in order.
func (c CostColumns) List() []Query {
	return []Query{c.ReqPerSecond, c.CPUMicros, c.KiBPerStream, c.AddedTTFTP50, c.AddedTTFTP99,
		c.AddedGapP50, c.AddedGapP99, c.AddedDurationP50, c.AddedDurationP99, c.FailPercent, c.Goodput}
}

// costColumns defines the cost table of scenario, its queries named table.<column>.
func costColumns(table, scenario string) CostColumns {
	s := scope{serverVar: "$server", scenario: scenario}
	of := fmt.Sprintf("the %s scenario", scenario)
	added := func(column, title string, metric string, q float64, help string) Query {
		return define(Query{Name: table + "." + column, Title: title, Unit: UnitMillis, Better: "lower",
			Expr: addedMs(s, metric, q), Help: help})
	}
	return CostColumns{
		ReqPerSecond: define(Query{Name: table + ".req_per_second", Title: "req/s", Unit: UnitReqPerSec,
			Expr: reqPerSecond(s), Help: "Completed streams of " + of + " over its active window: the offered rate when streams are short; below it when the window's last streams run on for seconds after the arrivals end (realistic's long answers)."}),
		CPUMicros: define(Query{Name: table + ".cpu_us_per_stream", Title: "cpu µs/stream", Unit: UnitCount, Better: "lower",
			Expr: cpuMicrosPerStream(s), Help: "CPU time of the server process per relayed stream (µs) in " + of + "; for direct, the stub's own cost."}),
		KiBPerStream: define(Query{Name: table + ".kib_per_open_stream", Title: "KiB/open stream", Unit: UnitCount, Better: "lower",
			Expr: kibPerOpenStream(s), Help: "Resident memory added by the load (peak minus the window's lowest RSS) per stream open at the peak (KiB)."}),
		AddedTTFTP50: added("added_ttft_p50_ms", "+ttft p50 ms", metricname.TimeToFirstToken, 0.5,
			"Median time to first token through the proxy minus the same load sent straight to the stub."),
		AddedTTFTP99: added("added_ttft_p99_ms", "+ttft p99 ms", metricname.TimeToFirstToken, 0.99,
			"p99 time to first token through the proxy minus direct's."),
		AddedGapP50: added("added_gap_p50_ms", "+gap p50 ms", metricname.EventGap, 0.5,
			"Median gap between events through the proxy minus direct's."),
		AddedGapP99: added("added_gap_p99_ms", "+gap p99 ms", metricname.EventGap, 0.99,
			"p99 gap between events through the proxy minus direct's."),
		AddedDurationP50: added("added_duration_p50_ms", "+dur p50 ms", metricname.K6HTTPReqDuration, 0.5,
			"Median whole-stream duration through the proxy minus direct's."),
		AddedDurationP99: added("added_duration_p99_ms", "+dur p99 ms", metricname.K6HTTPReqDuration, 0.99,
			"p99 whole-stream duration through the proxy minus direct's."),
		FailPercent: failPercentColumn(table, s, "Share of failed iterations in "+of+"."),
		Goodput: define(Query{Name: table + ".goodput_percent", Title: "goodput %", Unit: UnitPercent, Better: "higher",
			Expr: goodputPercent(s), Help: "Share of " + of + "'s streams that met the per-stream SLO (--slo)."}),
	}
}

// The cost tables: at a fixed, even rate of the stub's default stream (efficiency), and
// under realistic traffic (Poisson arrivals, lengths drawn from a lognormal).
var (
	Efficiency = costColumns("efficiency", ScenarioEfficiency)
	Realistic  = costColumns("realistic", ScenarioRealistic)
)
