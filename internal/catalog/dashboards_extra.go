package catalog

import "fmt"

// Queries the dashboards and the report need beyond the results, charts and series:
// the sources of Grafana's template variables, a run's time span, and the trends across
// runs, which read recording rules (see dashboards/README.md for the contract).

// Variable sources are series selectors: Grafana wraps them as label_values(<expr>, <label>).
var (
	VarTestIDs = define(Query{Name: "vars.testids", Title: "Test runs", Unit: UnitCount,
		Expr: `k6_vus_max`,
		Help: "Every load run pushes k6_vus_max with its testid: the source of the testid variable."})
	VarServers = define(Query{Name: "vars.servers", Title: "Servers of the run", Unit: UnitCount,
		Expr: `k6_vus_max{testid="$testid"}`,
		Help: "The servers one run loaded: the source of the server and compare variables."})
	VarTrendServers = define(Query{Name: "vars.trend_servers", Title: "Servers with trend data", Unit: UnitCount,
		Expr: TrendThroughputSeries,
		Help: "Servers that have at least one run recorded by the trend recording rules."})
)

// RunLoadSamples returns the raw k6_vus samples of a run within $__range before the
// evaluation time: the earliest and latest sample timestamps are the run's exact span.
// A range selector is used, not a subquery over timestamp(), because a subquery's steps can
// miss a seconds-long --quick load run entirely; k6_vus exists only while a load runs.
var RunLoadSamples = define(Query{Name: "run.load_samples", Title: "Load samples of the run", Unit: UnitCount,
	Expr: `k6_vus{testid="$testid"}[$__range]`,
	Help: "Every active-VU sample of the run: its first and last timestamps bound the run."})

// RunLoadWindows is 1 while each (server, scenario) of the run loads: the Run dashboard
// draws each window as an annotated region, so a panel shows which load made its curve.
var RunLoadWindows = define(Query{Name: "run.load_windows", Title: "Load runs", Unit: UnitCount,
	Expr: `max by (server, scenario) (k6_vus{testid="$testid"}) > 0`,
	Help: "Present while a server × scenario of the run is under load: the run's annotations."})

// LoadSeconds is how long each load run lasted, for the report's scenarios table.
var LoadSeconds = define(Query{Name: "run.load_seconds", Title: "Load duration", Unit: UnitSeconds,
	Expr: `max by (server, scenario) (max_over_time(ssebench_load_elapsed_seconds{testid="$testid"}[$__range]))`,
	Help: "Seconds each (server, scenario) load run lasted, from the load generator's elapsed-time gauge."})

// Recording-rule series the trend panels read: one value per (server, scenario) for each
// run, held while the rules evaluate it. The rules in prometheus/ implement exactly these names.
const (
	TrendThroughputSeries = "ssebench:run_throughput:req_per_second"
	TrendLatencyP95Series = "ssebench:run_latency_p95:seconds"
	TrendCPUSeries        = "ssebench:run_cpu:ratio"
	TrendMemoryPeakSeries = "ssebench:run_memory_peak:bytes"
)

// trendOf reads a run's final value: one sample per run (the rules record `<series>:final`
// once, when the run ends), held over each panel step so that a year-long panel at coarse
// steps still shows every run. The live series exists only while a run pushes.
func trendOf(series string) string {
	return fmt.Sprintf(`max by (server, scenario) (last_over_time(%s:final{server=~"$server"}[$__interval]))`, series)
}

var (
	TrendThroughput = define(Query{Name: "trend.req_per_second", Title: "Throughput across runs (req/s)", Unit: UnitReqPerSec, Better: "higher",
		Expr: trendOf(TrendThroughputSeries), Help: "Requests per second of each server and scenario, run after run."})
	TrendP95 = define(Query{Name: "trend.p95_ms", Title: "p95 latency across runs (ms)", Unit: UnitMillis, Better: "lower",
		Expr: "1000 * " + trendOf(TrendLatencyP95Series), Help: "95th percentile of whole-stream duration, run after run."})
	TrendCPU = define(Query{Name: "trend.cpu_percent", Title: "CPU across runs (%)", Unit: UnitPercent, Better: "lower",
		Expr: "100 * " + trendOf(TrendCPUSeries), Help: "Average CPU of each server during each scenario (100 = one core), run after run."})
	TrendMemory = define(Query{Name: "trend.mem_mib", Title: "Peak memory across runs (MB RSS)", Unit: UnitMiB, Better: "lower",
		Expr: trendOf(TrendMemoryPeakSeries) + " / 1048576", Help: "Peak resident memory of each server during each scenario, run after run."})

	TrendRegressionAlerts = define(Query{Name: "trend.regression_alerts", Title: "Regression alerts", Unit: UnitCount,
		Expr: `ALERTS{alertname=~".*Regression", alertstate="firing"}`,
		Help: "Firing regression alerts, drawn as annotations on the trend panels."})
)

// TrendPanels is the trends dashboard's panels, in display order.
var TrendPanels = []Query{TrendThroughput, TrendP95, TrendCPU, TrendMemory}
