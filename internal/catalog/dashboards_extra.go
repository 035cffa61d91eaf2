package catalog

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/metricname"
)

// Queries the dashboards and the report need beyond the results, charts and series:
// the sources of Grafana's template variables, a run's time span, and the trends across
// runs, which read recording rules (see dashboards/README.md for the contract).

// Variable sources are series selectors: Grafana wraps them as label_values(<expr>, <label>).
var (
	VarTestIDs = define(Query{Name: "vars.testids", Title: "Test runs", Unit: UnitCount,
		Expr: metricname.K6VUsMax,
		Help: "Every load run pushes k6_vus_max with its testid: the source of the testid variable."})
	VarServers = define(Query{Name: "vars.servers", Title: "Servers of the run", Unit: UnitCount,
		Expr: metricname.K6VUsMax + `{testid="$testid"}`,
		Help: "The servers one run loaded: the source of the server and compare variables."})
	VarTrendServers = define(Query{Name: "vars.trend_servers", Title: "Servers with trend data", Unit: UnitCount,
		Expr: fmt.Sprintf(`{__name__=~"%s|%s"}`, FinalOf(TrendThroughputSeries), legacyFinals[TrendThroughputSeries]),
		Help: "Servers that have at least one run recorded by the trend recording rules (under today's name or the legacy one)."})
)

// RunLoadSamples returns the raw k6_vus samples of a run within $__range before the
// evaluation time: the earliest and latest sample timestamps are the run's exact span.
// A range selector is used, not a subquery over timestamp(), because a subquery's steps can
// miss a seconds-long --quick load run entirely; k6_vus exists only while a load runs.
var RunLoadSamples = define(Query{Name: "run.load_samples", Title: "Load samples of the run", Unit: UnitCount,
	Expr: metricname.K6VUs + `{testid="$testid"}[$__range]`,
	Help: "Every active-VU sample of the run: its first and last timestamps bound the run."})

// RunLoadWindows is 1 while each (server, scenario) of the run loads: the Run dashboard
// draws each window as an annotated region, so a panel shows which load made its curve.
var RunLoadWindows = define(Query{Name: "run.load_windows", Title: "Load runs", Unit: UnitCount,
	Expr: fmt.Sprintf(`max by (server, scenario) (%s{testid="$testid"}) > 0`, metricname.K6VUs),
	Help: "Present while a server × scenario of the run is under load: the run's annotations."})

// LoadSeconds is how long each load run lasted, for the report's scenarios table.
var LoadSeconds = define(Query{Name: "run.load_seconds", Title: "Load duration", Unit: UnitSeconds,
	Expr: fmt.Sprintf(`max by (server, scenario) (max_over_time(%s{testid="$testid"}[$__range]))`, metricname.LoadElapsed),
	Help: "Seconds each (server, scenario) load run lasted, from the load generator's elapsed-time gauge."})

// Recording-rule series the trend panels read: one value per (server, scenario) for each
// run, held while the rules evaluate it. The rules in prometheus/ implement exactly these names.
const (
	TrendThroughputSeries = "server_scenario:k6_http_reqs:rate_run"
	TrendLatencyP95Series = "server_scenario:k6_http_req_duration_seconds:p95_run"
	TrendCPUSeries        = "server_scenario:ssebench_process_cpu_seconds:rate_run"
	TrendMemoryPeakSeries = "server_scenario:ssebench_process_resident_memory_peak_bytes:max_run"
)

// legacyFinals are the names the trend finals had before they followed level:metric:operations
// (until 2026-12). Kept data holds up to 400 days of them, so the trend panels read both
// until the last of them ages out (2028-01); new runs record only the new names.
var legacyFinals = map[string]string{
	TrendThroughputSeries: "ssebench:run_throughput:req_per_second:final",
	TrendLatencyP95Series: "ssebench:run_latency_p95:seconds:final",
	TrendCPUSeries:        "ssebench:run_cpu:ratio:final",
	TrendMemoryPeakSeries: "ssebench:run_memory_peak:bytes:final",
}

// trendOf reads a run's final value: one sample per run (the rules record FinalOf(series)
// once, when the run ends), held over each panel step so that a year-long panel at coarse
// steps still shows every run. The live series exists only while a run pushes.
func trendOf(series string) string {
	held := func(name string) string {
		return fmt.Sprintf(`last_over_time(%s{server=~"$server"}[$__interval])`, name)
	}
	return fmt.Sprintf(`max by (server, scenario) (%s or %s)`, held(FinalOf(series)), held(legacyFinals[series]))
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
