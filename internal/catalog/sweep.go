package catalog

// The sweep's latency–throughput curve: one row per (server, step), the step's scenario
// label being "sweep-<offered rate>", all under the run's sweep testid.

// SweepScenarioPrefix starts the scenario label of every sweep step.
const SweepScenarioPrefix = "sweep-"

var sweepSteps = scope{serverVar: "$server"}

// Sweep-curve columns.
var (
	SweepReqPerSecond = define(Query{Name: "sweep.req_per_second", Title: "achieved req/s", Unit: UnitReqPerSec, Better: "higher",
		Expr: reqPerSecond(sweepSteps), Help: "Achieved rate of each sweep step (offered rate in the scenario label)."})
	SweepTTFTP50 = define(Query{Name: "sweep.ttft_p50_ms", Title: "ttft p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricTTFT, 0.5), Help: "Median time to first token of each sweep step."})
	SweepTTFTP99 = define(Query{Name: "sweep.ttft_p99_ms", Title: "ttft p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricTTFT, 0.99), Help: "p99 time to first token of each sweep step: what the SLO bounds."})
	SweepDurationP50 = define(Query{Name: "sweep.duration_p50_ms", Title: "dur p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricDuration, 0.5), Help: "Median whole-stream duration of each sweep step."})
	SweepDurationP99 = define(Query{Name: "sweep.duration_p99_ms", Title: "dur p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricDuration, 0.99), Help: "p99 whole-stream duration of each sweep step."})
	SweepFailPercent = define(Query{Name: "sweep.fail_percent", Title: "fail %", Unit: UnitPercent, Better: "lower",
		Expr: failPercent(sweepSteps), Help: "Failed iterations of each sweep step."})
)

// SweepColumns is the curve table.
var SweepColumns = []Query{SweepReqPerSecond, SweepTTFTP50, SweepTTFTP99, SweepDurationP50, SweepDurationP99, SweepFailPercent}
