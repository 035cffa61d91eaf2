package catalog

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/metricname"
)

// memoryShare is each server's share of the summed stress peak RSS, in percent.
var memoryShare = fmt.Sprintf(`100 * (%s) / scalar(sum(%s))`, memPeakMiB(stressOnly), memPeakMiB(stressOnly))

// The writeup's charts: stress top-line bars, the baseline-vs-stress delta, the 3-way
// normalized scores and the memory share.
var (
	StressThroughput = define(Query{Name: "stress.req_per_second", Title: "Throughput - stress (req/s, higher is better)", Unit: UnitReqPerSec, Better: "higher",
		Expr: reqPerSecond(stressOnly), Help: "Requests per second under the stress scenario."})
	StressP95 = define(Query{Name: "stress.p95_ms", Title: "p95 latency - stress (ms, lower is better)", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(stressOnly, metricname.K6HTTPReqDuration, 0.95), Help: "95th percentile of whole-stream duration under stress."})
	StressCPU = define(Query{Name: "stress.cpu_percent", Title: "CPU usage - stress (%, lower is better)", Unit: UnitPercent, Better: "lower",
		Expr: cpuAvgPercent(stressOnly), Help: "Average CPU of the server under stress (100 = one core)."})
	StressMemory = define(Query{Name: "stress.mem_mib", Title: "Memory - stress (MB RSS max, lower is better)", Unit: UnitMiB, Better: "lower",
		Expr: memPeakMiB(stressOnly), Help: "Peak resident memory under stress."})

	ThroughputDelta = define(Query{Name: "delta.throughput_percent", Title: "Baseline vs stress - throughput delta (%)", Unit: UnitPercent, Better: "higher",
		Expr: fmt.Sprintf(`100 * ((%s) / ignoring (scenario) (%s) - 1)`, reqPerSecond(stressOnly), reqPerSecond(baselineOnly)),
		Help: "How much throughput changes from baseline to stress: positive means the server scales up."})

	MemoryShare = define(Query{Name: "share.memory_percent", Title: "Memory share by server - stress peak RSS (%)", Unit: UnitPercent,
		Expr: memoryShare,
		Help: "Each server's share of the summed peak RSS under stress."})

	// The runtime comes from servers.yaml through ssebench_server_info, which ssebench run
	// pushes and the compose Prometheus records (prometheus/compose/server-info.yml), never
	// from a server's name.
	MemoryShareByRuntime = define(Query{Name: "share.memory_by_runtime_percent", Title: "Memory share by runtime - stress peak RSS (%)", Unit: UnitPercent,
		Expr: fmt.Sprintf(`sum by (runtime) ((%s) * on (server) group_left (runtime) max by (server, runtime) (last_over_time(%s[$__range])))`, memoryShare, metricname.ServerInfo),
		Help: "Each runtime's share of the summed peak RSS under stress, as the writeup's caption gives it; the runtime is servers.yaml's."})
)

// Normalized scores of the 3-way comparison: each axis 100 = best of the compared servers;
// latency, max latency, CPU and memory are inverted (lower is better, so best = lowest).
var (
	ScoreThroughput = define(Query{Name: "score.throughput", Title: "Throughput", Unit: UnitScore, Better: "higher",
		Expr: higherIsBetter(reqPerSecond(compareSet)), Help: "Throughput under stress, 100 = the highest of the compared servers."})
	ScoreP95 = define(Query{Name: "score.p95", Title: "p95 Latency", Unit: UnitScore, Better: "higher",
		Expr: lowerIsBetter(quantileMs(compareSet, metricname.K6HTTPReqDuration, 0.95)), Help: "p95 under stress inverted, 100 = the lowest of the compared servers."})
	ScoreMax = define(Query{Name: "score.max", Title: "Max Latency", Unit: UnitScore, Better: "higher",
		Expr: lowerIsBetter(durationMaxMs(compareSet)), Help: "Max latency under stress inverted, 100 = the lowest."})
	ScoreCPU = define(Query{Name: "score.cpu", Title: "CPU", Unit: UnitScore, Better: "higher",
		Expr: lowerIsBetter(cpuAvgPercent(compareSet)), Help: "CPU under stress inverted, 100 = the lowest."})
	ScoreMemory = define(Query{Name: "score.memory", Title: "Memory", Unit: UnitScore, Better: "higher",
		Expr: lowerIsBetter(memPeakMiB(compareSet)), Help: "Peak RSS under stress inverted, 100 = the lowest."})
)

// ScoreAxes is the comparison's axes in display order.
var ScoreAxes = []Query{ScoreThroughput, ScoreP95, ScoreMax, ScoreCPU, ScoreMemory}

func higherIsBetter(expr string) string {
	return fmt.Sprintf(`100 * (%s) / scalar(max(%s))`, expr, expr)
}

func lowerIsBetter(expr string) string {
	return fmt.Sprintf(`100 * scalar(min(%s)) / (%s)`, expr, expr)
}
