package catalog

import "fmt"

// The writeup's results table: one value per (server, scenario) of one run, computed over
// $__range (the whole run) at its end. Columns: req/s, avg ms, p95 ms, max ms, cpu avg %,
// mem MB, fail %. With the trials scope (trials.go) the same expressions give one value per
// (testid, server, scenario) of every trial of a run.

func reqPerSecond(s scope) string {
	by := s.by()
	return fmt.Sprintf(`sum by (%s) (max_over_time(%s[$__range]))
		/ (max by (%s) (max_over_time(%s[$__range]))
		   or max by (%s) (count_over_time(%s[$__range])))`,
		by, s.load("k6_http_reqs_total"), by, s.load("ssebench_load_elapsed_seconds"), by, s.load("k6_vus"))
}

func durationAvgMs(s scope) string {
	d := s.load("k6_http_req_duration_seconds")
	return fmt.Sprintf(`1000 * sum by (%s) (histogram_sum(last_over_time(%s[$__range])))
		/ sum by (%s) (histogram_count(last_over_time(%s[$__range])))`, s.by(), d, s.by(), d)
}

func durationQuantileMs(s scope, q float64) string {
	return fmt.Sprintf(`1000 * histogram_quantile(%g, sum by (%s) (last_over_time(%s[$__range])))`,
		q, s.by(), s.load("k6_http_req_duration_seconds"))
}

// durationMaxMs is exact for ssebench load; for k6, which sends no maximum, it falls back
// to the upper bound of the highest histogram bucket.
func durationMaxMs(s scope) string {
	return fmt.Sprintf(`1000 * (max by (%s) (max_over_time(%s[$__range]))
		or histogram_quantile(1, sum by (%s) (last_over_time(%s[$__range]))))`,
		s.by(), s.load("ssebench_http_req_duration_max_seconds"), s.by(), s.load("k6_http_req_duration_seconds"))
}

// cpuAvgPercent is pidstat's %CPU (100 = one core) averaged over the scenario's active window.
func cpuAvgPercent(s scope) string {
	perServer := fmt.Sprintf(`sum by (server) (irate(%s[5s]))`, s.process("ssebench_process_cpu_seconds_total"))
	return fmt.Sprintf(`100 * avg_over_time(%s[$__range:1s])`, s.duringLoad(perServer))
}

// memPeakMiB is the peak resident set during the scenario. The runner resets the kernel's
// high-water mark (VmHWM) when each scenario starts, so the exporter's peak is exact — no
// 1 Hz sample can miss it, as pidstat's could.
func memPeakMiB(s scope) string {
	perServer := fmt.Sprintf(`max by (server) (%s)`, s.process("ssebench_process_resident_memory_peak_bytes"))
	return fmt.Sprintf(`max_over_time(%s[$__range:1s]) / 1048576`, s.duringLoad(perServer))
}

// failPercent counts an iteration as failed on a transport error or any failed check; for
// k6, which has no such counter, it falls back to the share of streams without [DONE].
func failPercent(s scope) string {
	by := s.by()
	return fmt.Sprintf(`100 * (sum by (%s) (max_over_time(%s[$__range]))
		/ sum by (%s) (max_over_time(%s[$__range]))
		or (1 - min by (%s) (last_over_time(%s[$__range]))))`,
		by, s.load("ssebench_iterations_failed_total"), by, s.load("k6_iterations_total"),
		by, s.load("k6_checks_rate", fmt.Sprintf(`check="%s"`, CheckDone)))
}

// Results-table columns, for every scenario of the run.
var (
	ResultsReqPerSecond = define(Query{Name: "results.req_per_second", Title: "req/s", Unit: UnitReqPerSec, Better: "higher",
		Expr: reqPerSecond(allScenarios), Help: "Requests per second: requests made over the load run's elapsed time."})
	ResultsAvgMs = define(Query{Name: "results.avg_ms", Title: "avg ms", Unit: UnitMillis, Better: "lower",
		Expr: durationAvgMs(allScenarios), Help: "Mean whole-stream duration (http_req_duration): exact, from the histogram's sum and count."})
	ResultsP95Ms = define(Query{Name: "results.p95_ms", Title: "p95 ms", Unit: UnitMillis, Better: "lower",
		Expr: durationQuantileMs(allScenarios, 0.95), Help: "95th percentile of whole-stream duration, from the native histogram (±1.1 %)."})
	ResultsMaxMs = define(Query{Name: "results.max_ms", Title: "max ms", Unit: UnitMillis, Better: "lower",
		Expr: durationMaxMs(allScenarios), Help: "Longest whole-stream duration: exact for ssebench load."})
	ResultsCPUPercent = define(Query{Name: "results.cpu_percent", Title: "cpu avg %", Unit: UnitPercent, Better: "lower",
		Expr: cpuAvgPercent(allScenarios), Help: "The server process's CPU (100 = one core), averaged over the scenario's active window, like pidstat's %CPU."})
	ResultsMemMiB = define(Query{Name: "results.mem_mib", Title: "mem MB", Unit: UnitMiB, Better: "lower",
		Expr: memPeakMiB(allScenarios), Help: "Peak resident memory of the server process during the scenario (MiB, as pidstat's RSS kB / 1024)."})
	ResultsFailPercent = define(Query{Name: "results.fail_percent", Title: "fail %", Unit: UnitPercent, Better: "lower",
		Expr: failPercent(allScenarios), Help: "Share of iterations with a transport error or a failed check (status 200; stream ended with [DONE])."})
)

// ResultsColumns is the writeup's table, in its column order.
var ResultsColumns = []Query{ResultsReqPerSecond, ResultsAvgMs, ResultsP95Ms, ResultsMaxMs, ResultsCPUPercent, ResultsMemMiB, ResultsFailPercent}
