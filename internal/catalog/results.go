package catalog

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/metricname"
)

// The writeup's results table: one value per (server, scenario) of one run, computed over
// $__range (the whole run) at its end. Columns: req/s, avg ms, p95 ms, max ms, cpu avg %,
// mem MB, fail %. With the trials scope (trials.go) the same expressions give one value per
// (testid, server, scenario) of every trial of a run.

// Each column is a run value of runvalue.go read as a cell: the recording rules read the
// same run values, so a rule's final equals the table by construction.

// reqPerSecond is requests over the load run's elapsed seconds; a k6 run, which sends no
// elapsed gauge, over the seconds it pushed k6_vus (one sample a second).
func reqPerSecond(s scope) string {
	k6 := func(p pick) string {
		return fmt.Sprintf(`%s / on (%s) %s`, byRun("sum", p(metricname.K6HTTPReqs)), perRun, k6Seconds(s.load(metricname.K6VUs)))
	}
	return s.cell(throughputOf(k6))
}

func p95Ms(s scope) string { return quantileMs(s, metricname.K6HTTPReqDuration, 0.95) }

func durationAvgMs(s scope) string { return "1000 * " + s.cell(durationMean) }

func durationMaxMs(s scope) string { return "1000 * " + s.cell(durationMax) }

// cpuAvgPercent is pidstat's %CPU (100 = one core) averaged over the scenario's active window.
func cpuAvgPercent(s scope) string {
	return fmt.Sprintf(`100 * avg_over_time(%s[$__range:1s])`, s.duringLoad(serverCPU(s)))
}

// memPeakMiB is the peak resident set during the scenario. The runner resets the kernel's
// high-water mark (VmHWM) when each scenario starts, so the exporter's peak is exact — no
// 1 Hz sample can miss it, as pidstat's could.
func memPeakMiB(s scope) string {
	return fmt.Sprintf(`max_over_time(%s[$__range:1s]) / 1048576`, s.duringLoad(serverPeakRSS(s)))
}

func failPercent(s scope) string { return "100 * " + s.cell(failedRatio) }

// FailPercentName ends the name of every table's fail % column (<table>.fail_percent), by
// which every output prints it the same way.
const FailPercentName = "fail_percent"

// failPercentColumn is table's fail % column over scope s.
func failPercentColumn(table string, s scope, help string) Query {
	return define(Query{Name: table + "." + FailPercentName, Title: "fail %", Unit: UnitPercent, Better: "lower",
		Expr: failPercent(s), Help: help})
}

func goodputPercent(s scope) string { return "100 * " + s.cell(goodputRatio) }

// Results-table columns, for every scenario of the run.
var (
	ResultsReqPerSecond = define(Query{Name: "results.req_per_second", Title: "req/s", Unit: UnitReqPerSec, Better: "higher",
		Expr: reqPerSecond(allScenarios), Help: "Requests per second: requests made over the load run's elapsed time."})
	ResultsAvgMs = define(Query{Name: "results.avg_ms", Title: "avg ms", Unit: UnitMillis, Better: "lower",
		Expr: durationAvgMs(allScenarios), Help: "Mean whole-stream duration (http_req_duration): exact, from the histogram's sum and count."})
	ResultsP95Ms = define(Query{Name: "results.p95_ms", Title: "p95 ms", Unit: UnitMillis, Better: "lower",
		Expr: p95Ms(allScenarios), Help: "95th percentile of whole-stream duration, from the native histogram (±1.1 %)."})
	ResultsMaxMs = define(Query{Name: "results.max_ms", Title: "max ms", Unit: UnitMillis, Better: "lower",
		Expr: durationMaxMs(allScenarios), Help: "Longest whole-stream duration: exact for ssebench load."})
	ResultsCPUPercent = define(Query{Name: "results.cpu_percent", Title: "cpu avg %", Unit: UnitPercent, Better: "lower",
		Expr: cpuAvgPercent(allScenarios), Help: "The server process's CPU (100 = one core), averaged over the scenario's active window, like pidstat's %CPU."})
	ResultsMemMiB = define(Query{Name: "results.mem_mib", Title: "mem MB", Unit: UnitMiB, Better: "lower",
		Expr: memPeakMiB(allScenarios), Help: "Peak resident memory of the server process during the scenario (MiB, as pidstat's RSS kB / 1024)."})
	ResultsFailPercent = failPercentColumn("results", allScenarios,
		"Share of iterations with a transport error or a failed check (status 200; stream ended with [DONE]).")
	ResultsGoodputPercent = define(Query{Name: "results.goodput_percent", Title: "goodput %", Unit: UnitPercent, Better: "higher",
		Expr: goodputPercent(allScenarios), Help: "Share of streams that met the per-stream SLO (--slo: status 200, [DONE], time to first token and every gap within bounds), as AIPerf's and vLLM's goodput. None for k6's data."})
)

// A Column is one column of the results table, described once with every other view of the
// same figure, so that the table, its intervals and the report's charts read one list.
type Column struct {
	Query Query // the table's cell
	// Samples is the series whose per-second values stand for the column within one run: the
	// within-run interval of a one-trial table (internal/results). Zero Query: none.
	Samples Query
	// PerServer says the samples are the exporter's, per server, not per scenario: a
	// scenario's are the seconds its throughput was sampled.
	PerServer bool
	// Stress is the report's stress bar chart of the column. Zero Query: none.
	Stress Query
	// trials builds the column's expression in a scope: over the trials of a run it gives
	// the across-trials mean and interval (trials.go). nil: none.
	trials func(scope) string
}

// Columns is the writeup's table, in its column order.
var Columns = []Column{
	{Query: ResultsReqPerSecond, Samples: SeriesReqPerSecond, Stress: StressThroughput, trials: reqPerSecond},
	{Query: ResultsAvgMs},
	{Query: ResultsP95Ms, Samples: SeriesP95, Stress: StressP95, trials: p95Ms},
	{Query: ResultsMaxMs},
	{Query: ResultsCPUPercent, Samples: SeriesCPU, PerServer: true, Stress: StressCPU, trials: cpuAvgPercent},
	{Query: ResultsMemMiB, Stress: StressMemory},
	{Query: ResultsFailPercent},
	{Query: ResultsGoodputPercent, trials: goodputPercent},
}

// ResultsColumns are the queries of Columns, in order.
var ResultsColumns = func() []Query {
	out := make([]Query, len(Columns))
	for i, c := range Columns {
		out[i] = c.Query
	}
	return out
}()

// ResultsFirstTokenShare is not a column of the writeup's table: the runner and the report
// read it for the findings, where a share near 1 says the server buffers the stream (the
// first token arrives with the last), as the StreamBuffered alert does.
var ResultsFirstTokenShare = define(Query{Name: "results.first_token_share", Title: "TTFT / duration", Unit: UnitRatio, Better: "lower",
	Expr: allScenarios.cell(firstTokenShare), Help: "Median time to first token over median stream duration: near 1 when the server buffers the stream."})
