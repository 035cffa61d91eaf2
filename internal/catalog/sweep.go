package catalog

// The sweep's latency–throughput curve: one row per (server, step), the step's scenario
// label being "sweep-<offered rate>", all under the run's sweep testid.

// SweepScenarioPrefix starts the scenario label of every sweep step.
const SweepScenarioPrefix = "sweep-"

var sweepSteps = scope{serverVar: "$server"}

// Sweep-curve columns.
var (
	SweepTTFTP50 = define(Query{Name: "sweep.ttft_p50_ms", Title: "ttft p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricTTFT, 0.5), Help: "Median time to first token of each sweep step."})
	SweepTTFTP99 = define(Query{Name: "sweep.ttft_p99_ms", Title: "ttft p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricTTFT, 0.99), Help: "p99 time to first token of each sweep step: what the SLO bounds."})
	SweepDurationP50 = define(Query{Name: "sweep.duration_p50_ms", Title: "dur p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricDuration, 0.5), Help: "Median whole-stream duration of each sweep step."})
	SweepDurationP99 = define(Query{Name: "sweep.duration_p99_ms", Title: "dur p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricDuration, 0.99), Help: "p99 whole-stream duration of each sweep step."})
)

// SweepReqPerSecond is each step's achieved rate: the results table's own req/s, whose
// expression covers every scenario of a testid, the steps included.
var SweepReqPerSecond = ResultsReqPerSecond

// SweepColumns is the curve table; req/s and fail % are the results table's queries.
var SweepColumns = []Query{ResultsReqPerSecond, SweepTTFTP50, SweepTTFTP99, SweepDurationP50, SweepDurationP99, ResultsFailPercent}
