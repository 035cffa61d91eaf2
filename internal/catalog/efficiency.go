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

// ReferenceServer is the server label of the load sent straight to the stub.
const ReferenceServer = "direct"

var efficiencyOnly = scope{serverVar: "$server", scenario: ScenarioEfficiency}

// referenceOf is efficiencyOnly restricted to the reference, for subtracting its figures.
var referenceOf = scope{serverVar: ReferenceServer, scenario: ScenarioEfficiency}

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
func addedMs(metric string, q float64) string {
	return fmt.Sprintf(`%s - on (scenario) group_left () max by (scenario) (%s)`,
		quantileMs(efficiencyOnly, metric, q), quantileMs(referenceOf, metric, q))
}

// Efficiency-table columns.
var (
	EfficiencyReqPerSecond = define(Query{Name: "efficiency.req_per_second", Title: "req/s", Unit: UnitReqPerSec,
		Expr: reqPerSecond(efficiencyOnly), Help: "Achieved rate of the fixed-rate scenario: it should equal the offered rate for every server."})
	EfficiencyCPUMicros = define(Query{Name: "efficiency.cpu_us_per_stream", Title: "cpu µs/stream", Unit: UnitCount, Better: "lower",
		Expr: cpuMicrosPerStream(efficiencyOnly), Help: "CPU time of the server process per relayed stream (µs), at the fixed rate; for direct, the stub's own cost."})
	EfficiencyKiBPerStream = define(Query{Name: "efficiency.kib_per_open_stream", Title: "KiB/open stream", Unit: UnitCount, Better: "lower",
		Expr: kibPerOpenStream(efficiencyOnly), Help: "Resident memory added by the load (peak minus the window's lowest RSS) per stream open at the peak (KiB)."})
	EfficiencyAddedTTFTP50 = define(Query{Name: "efficiency.added_ttft_p50_ms", Title: "+ttft p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: addedMs(metricname.TimeToFirstToken, 0.5), Help: "Median time to first token through the proxy minus the same load sent straight to the stub."})
	EfficiencyAddedTTFTP99 = define(Query{Name: "efficiency.added_ttft_p99_ms", Title: "+ttft p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: addedMs(metricname.TimeToFirstToken, 0.99), Help: "p99 time to first token through the proxy minus direct's."})
	EfficiencyAddedGapP50 = define(Query{Name: "efficiency.added_gap_p50_ms", Title: "+gap p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: addedMs(metricname.EventGap, 0.5), Help: "Median gap between events through the proxy minus direct's."})
	EfficiencyAddedGapP99 = define(Query{Name: "efficiency.added_gap_p99_ms", Title: "+gap p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: addedMs(metricname.EventGap, 0.99), Help: "p99 gap between events through the proxy minus direct's."})
	EfficiencyAddedDurationP50 = define(Query{Name: "efficiency.added_duration_p50_ms", Title: "+dur p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: addedMs(metricname.K6HTTPReqDuration, 0.5), Help: "Median whole-stream duration through the proxy minus direct's."})
	EfficiencyAddedDurationP99 = define(Query{Name: "efficiency.added_duration_p99_ms", Title: "+dur p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: addedMs(metricname.K6HTTPReqDuration, 0.99), Help: "p99 whole-stream duration through the proxy minus direct's."})
	EfficiencyGoodputPercent = define(Query{Name: "efficiency.goodput_percent", Title: "goodput %", Unit: UnitPercent, Better: "higher",
		Expr: goodputPercent(efficiencyOnly), Help: "Share of the fixed-rate scenario's streams that met the per-stream SLO (--slo)."})
	EfficiencyFailPercent = define(Query{Name: "efficiency.fail_percent", Title: "fail %", Unit: UnitPercent, Better: "lower",
		Expr: failPercent(efficiencyOnly), Help: "Share of failed iterations in the fixed-rate scenario."})
)

// EfficiencyColumns is the cost table, ranked by CPU per stream.
var EfficiencyColumns = []Query{EfficiencyReqPerSecond, EfficiencyCPUMicros, EfficiencyKiBPerStream,
	EfficiencyAddedTTFTP50, EfficiencyAddedTTFTP99, EfficiencyAddedGapP50, EfficiencyAddedGapP99,
	EfficiencyAddedDurationP50, EfficiencyAddedDurationP99, EfficiencyFailPercent, EfficiencyGoodputPercent}
