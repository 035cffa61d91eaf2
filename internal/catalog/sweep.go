package catalog

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/metricname"
)

// The sweep's latency–throughput curve: one row per (server, step), the step's scenario
// label being "sweep-<offered rate>", all under the run's sweep testid.

// SweepScenarioPrefix starts the scenario label of every sweep step.
const SweepScenarioPrefix = "sweep-"

var sweepSteps = scope{serverVar: "$server"}

// Sweep-curve columns.
var (
	SweepTTFTP50 = define(Query{Name: "sweep.ttft_p50_ms", Title: "ttft p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricname.TimeToFirstToken, 0.5), Help: "Median time to first token of each sweep step."})
	SweepTTFTP99 = define(Query{Name: "sweep.ttft_p99_ms", Title: "ttft p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricname.TimeToFirstToken, 0.99), Help: "p99 time to first token of each sweep step: what the SLO bounds."})
	SweepDurationP50 = define(Query{Name: "sweep.duration_p50_ms", Title: "dur p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricname.K6HTTPReqDuration, 0.5), Help: "Median whole-stream duration of each sweep step."})
	SweepDurationP99 = define(Query{Name: "sweep.duration_p99_ms", Title: "dur p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(sweepSteps, metricname.K6HTTPReqDuration, 0.99), Help: "p99 whole-stream duration of each sweep step."})
)

// SweepReqPerSecond is each step's achieved rate: the results table's own req/s, whose
// expression covers every scenario of a testid, the steps included.
var SweepReqPerSecond = ResultsReqPerSecond

// SweepColumns is the curve table; req/s and fail % are the results table's queries.
var SweepColumns = []Query{ResultsReqPerSecond, SweepTTFTP50, SweepTTFTP99, SweepDurationP50, SweepDurationP99, ResultsFailPercent}

// The sweep's verdict as the runner judged it, pushed once under the sweep's testid
// (<run>-sweep) when it ends, so that `ssebench report` redraws the capacities from stored
// data: one sample per server of its capacity (metricname.SweepCapacity), labelled with what
// stopped it, and one of the SLO it was judged by (metricname.SweepSLOBound).
const (
	// SweepLimitLabel says what stopped a server's sweep: proxy, harness or max rate.
	SweepLimitLabel = "limit"
)

// SweepCapacity is each server's capacity under the SLO, labelled with its limit.
var SweepCapacity = define(Query{Name: "sweep.capacity", Title: "capacity streams/s", Unit: UnitReqPerSec, Better: "higher",
	Expr: fmt.Sprintf(`max by (server, %s) (last_over_time(%s{testid="$testid"}[$__range]))`, SweepLimitLabel, metricname.SweepCapacity),
	Help: "The highest offered rate each server kept within the SLO (goodput at or above its target, no dropped iteration), as the sweep judged it; the limit label says what stopped it."})

// SweepSLOBoundMs is the second rule's p99 TTFT bound the sweep judged every step by.
var SweepSLOBoundMs = define(Query{Name: "sweep.slo_ttft_p99_ms", Title: "SLO p99 TTFT ms", Unit: UnitMillis,
	Expr: fmt.Sprintf(`1000 * max(last_over_time(%s{testid="$testid"}[$__range]))`, metricname.SweepSLOBound),
	Help: "The sweep's second rule: direct's p99 TTFT at the first step plus the margin."})

// SweepCapacityTTFT is each server's capacity under the second rule (p99 TTFT).
var SweepCapacityTTFT = define(Query{Name: "sweep.capacity_ttft_p99", Title: "p99 TTFT rule streams/s", Unit: UnitReqPerSec, Better: "higher",
	Expr: fmt.Sprintf(`max by (server) (last_over_time(%s{testid="$testid"}[$__range]))`, metricname.SweepCapacityTTFT),
	Help: "The highest offered rate each server kept with no failure, no dropped iteration and p99 TTFT within the bound (the sweep's second rule)."})

// SweepGoodputTargetPercent is the SLO every step was judged by.
var SweepGoodputTargetPercent = define(Query{Name: "sweep.slo_goodput_percent", Title: "SLO goodput %", Unit: UnitPercent,
	Expr: fmt.Sprintf(`100 * max(last_over_time(%s{testid="$testid"}[$__range]))`, metricname.SweepGoodputTarget),
	Help: "The sweep's SLO: the share of a step's streams that must meet the per-stream SLO."})
