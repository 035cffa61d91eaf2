package catalog

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/metricname"
)

// Over-the-run series, for range queries: one line per server and scenario.

func rateOf(metric string) string {
	return fmt.Sprintf(`sum by (server, scenario) (rate(%s[$__rate_interval]))`, allScenarios.load(metric))
}

func quantileOverTime(q float64, metric string) string {
	return fmt.Sprintf(`1000 * histogram_quantile(%g, sum by (server, scenario) (rate(%s[$__rate_interval])))`,
		q, allScenarios.load(metric))
}

var (
	SeriesVUs = define(Query{Name: "series.vus", Title: "Virtual users", Unit: UnitCount,
		Expr: fmt.Sprintf(`sum by (server, scenario) (%s)`, allScenarios.load(metricname.K6VUs)), Help: "Active VUs of the load generator."})
	SeriesReqPerSecond = define(Query{Name: "series.req_per_second", Title: "Requests per second", Unit: UnitReqPerSec, Better: "higher",
		Expr: rateOf(metricname.K6HTTPReqs), Help: "Request rate."})
	SeriesP95 = define(Query{Name: "series.p95_ms", Title: "p95 stream duration", Unit: UnitMillis, Better: "lower",
		Expr: quantileOverTime(0.95, metricname.K6HTTPReqDuration), Help: "95th percentile of whole-stream duration over the rate interval."})
	SeriesTTFT = define(Query{Name: "series.ttft_p95_ms", Title: "p95 time to first token", Unit: UnitMillis, Better: "lower",
		Expr: quantileOverTime(0.95, metricname.TimeToFirstToken), Help: "Request sent to first data event, 95th percentile."})
	SeriesGapP99 = define(Query{Name: "series.event_gap_p99_ms", Title: "p99 gap between events", Unit: UnitMillis, Better: "lower",
		Expr: quantileOverTime(0.99, metricname.EventGap), Help: "99th percentile of the gaps between consecutive events: Nagle stalls show here."})
	SeriesFailures = define(Query{Name: "series.failures_per_second", Title: "Failed iterations per second", Unit: UnitReqPerSec, Better: "lower",
		Expr: rateOf(metricname.IterationsFailed) + " or " +
			fmt.Sprintf(`sum by (server, scenario) (rate(%s[$__rate_interval]))`, allScenarios.load(metricname.K6HTTPReqs, `expected_response="false"`)),
		Help: "Iterations with a transport error or a failed check; for real-k6 data, which has no such counter, requests outside the expected responses."})
	SeriesCPU = define(Query{Name: "series.cpu_percent", Title: "Server CPU", Unit: UnitPercent, Better: "lower",
		Expr: fmt.Sprintf(`100 * sum by (server) (rate(%s{server=~"$server"}[$__rate_interval]))`, metricname.ProcessCPU),
		Help: "CPU of each server process (100 = one core)."})
	SeriesRSS = define(Query{Name: "series.rss_mib", Title: "Server resident memory", Unit: UnitMiB, Better: "lower",
		Expr: fmt.Sprintf(`max by (server) (%s{server=~"$server"}) / 1048576`, metricname.ProcessRSS),
		Help: "Resident set of each server process (MiB)."})
	SeriesTCP = define(Query{Name: "series.tcp_connections", Title: "TCP connections on the server's port", Unit: UnitCount,
		Expr: fmt.Sprintf(`sum by (server, state) (%s{server=~"$server"})`, metricname.ServerTCPConnections),
		Help: "Connections on each server's listening port, by TCP state."})
)

// k6's own figures, the panels of k6's Prometheus dashboards (Grafana 18030, 19665), from
// series both k6's remote-write output and ssebench load send.
var (
	SeriesChecks = define(Query{Name: "series.checks_rate", Title: "Checks passed", Unit: UnitRatio, Better: "higher",
		Expr: fmt.Sprintf(`min by (server, scenario, check) (%s)`, allScenarios.load(metricname.K6Checks)),
		Help: "Share of each check passed so far in the load run (status is 200; stream ended with [DONE])."})
	SeriesDataReceived = define(Query{Name: "series.data_received_bytes_per_second", Title: "Data received", Unit: UnitBytesRate,
		Expr: rateOf(metricname.K6DataReceived), Help: "Bytes the load generator received per second, headers and SSE frames included."})
	SeriesDataSent = define(Query{Name: "series.data_sent_bytes_per_second", Title: "Data sent", Unit: UnitBytesRate,
		Expr: rateOf(metricname.K6DataSent), Help: "Bytes the load generator sent per second (the requests)."})
	SeriesDropped = define(Query{Name: "series.dropped_iterations_per_second", Title: "Dropped iterations per second", Unit: UnitReqPerSec, Better: "lower",
		Expr: rateOf(metricname.K6DroppedIterations), Help: "Arrival-rate iterations that could not start on time (no free VU): the load generator, not the server, was short."})
	SeriesIterationP95 = define(Query{Name: "series.iteration_duration_p95_ms", Title: "p95 iteration duration", Unit: UnitMillis, Better: "lower",
		Expr: quantileOverTime(0.95, metricname.K6IterationDuration), Help: "95th percentile of one whole iteration (request, stream, checks)."})
	SeriesWaitingP95 = define(Query{Name: "series.http_req_waiting_p95_ms", Title: "p95 time to first byte", Unit: UnitMillis, Better: "lower",
		Expr: quantileOverTime(0.95, metricname.K6HTTPReqWaiting), Help: "http_req_waiting: request sent to the first response byte (the headers), 95th percentile."})
	SeriesReqByExpected = define(Query{Name: "series.req_per_second_by_expected_response", Title: "Requests per second by expected_response", Unit: UnitReqPerSec,
		Expr: fmt.Sprintf(`sum by (server, scenario, expected_response) (rate(%s[$__rate_interval]))`, allScenarios.load(metricname.K6HTTPReqs)),
		Help: "Requests split by k6's expected_response label: false for statuses outside 200-399 and transport errors."})
)

// The exporter's view of each server process and of itself, and the stream probe over time.
var (
	SeriesThreads = define(Query{Name: "series.threads", Title: "Server threads", Unit: UnitCount,
		Expr: fmt.Sprintf(`max by (server) (%s{server=~"$server"})`, metricname.ProcessThreads), Help: "Threads of each server process."})
	SeriesOpenFDs = define(Query{Name: "series.open_fds", Title: "Server open file descriptors", Unit: UnitCount,
		Expr: fmt.Sprintf(`max by (server) (%s{server=~"$server"})`, metricname.ProcessOpenFDs), Help: "Open descriptors of each server process: sockets to clients and to the upstream, mostly."})
	SeriesContextSwitches = define(Query{Name: "series.context_switches_per_second", Title: "Server context switches per second", Unit: UnitCount,
		Expr: fmt.Sprintf(`sum by (server, kind) (rate(%s{server=~"$server"}[$__rate_interval]))`, metricname.ProcessContextSwitches),
		Help: "Voluntary (waiting on I/O or a lock) and involuntary (preempted) switches of the server's threads."})
	SeriesRestarts = define(Query{Name: "series.process_restarts", Title: "Server process restarts seen", Unit: UnitCount,
		Expr: fmt.Sprintf(`max by (server) (%s{server=~"$server"})`, metricname.ProcessRestarts), Help: "Changes of a server's process identity (PID, start time) the exporter saw: a crash-and-restart shows here."})
	SeriesCollectorSuccess = define(Query{Name: "series.exporter_collector_success", Title: "Exporter collectors healthy", Unit: UnitCount, Better: "higher",
		Expr: fmt.Sprintf(`min by (collector) (%s)`, metricname.ExporterCollectorSuccess), Help: "1 when each collector's last scrape had no error: 0 means missing CPU, memory or TCP figures."})
	SeriesCollectorDuration = define(Query{Name: "series.exporter_collector_duration_ms", Title: "Exporter collector duration", Unit: UnitMillis, Better: "lower",
		Expr: fmt.Sprintf(`1000 * max by (collector) (%s)`, metricname.ExporterCollectorDuration), Help: "How long each collector's last scrape took: the exporter's own cost."})
	SeriesProbeSuccess = define(Query{Name: "series.probe_success", Title: "Stream probe success", Unit: UnitCount, Better: "higher",
		Expr: fmt.Sprintf(`min by (server) (%s{job="sse-probe", server=~"$server"})`, metricname.ProbeSuccess), Help: "Each probe of each server over time: 1 for a correct, unbuffered stream without stalls."})
	SeriesProbeFirstEvent = define(Query{Name: "series.probe_first_event_ms", Title: "Stream probe: time to first event", Unit: UnitMillis, Better: "lower",
		Expr: fmt.Sprintf(`1000 * max by (server) (%s{job="sse-probe", server=~"$server"})`, metricname.ProbeTimeToFirstEvent), Help: "Each probe's request to first complete event, through each server."})
)

// Streaming health: a proxy that buffers delivers the first token with the last; one that
// stalls on Nagle's algorithm shows gaps far above the stub's inter-token delay.
var (
	HealthFirstTokenShare = define(Query{Name: "health.first_token_share", Title: "Time to first token / stream duration (median)", Unit: UnitRatio, Better: "lower",
		Expr: fmt.Sprintf(`histogram_quantile(0.5, sum by (server, scenario) (rate(%s[$__rate_interval])))
			/ histogram_quantile(0.5, sum by (server, scenario) (rate(%s[$__rate_interval])))`,
			allScenarios.load(metricname.TimeToFirstToken), allScenarios.load(metricname.K6HTTPReqDuration)),
		Help: "Near 1 means the first token arrives with the last: the proxy buffers the stream."})
	HealthMaxGap = define(Query{Name: "health.event_gap_max_ms", Title: "Largest gap between events", Unit: UnitMillis, Better: "lower",
		Expr: fmt.Sprintf(`1000 * max by (server, scenario) (%s)`, allScenarios.load(metricname.EventGapMax)),
		Help: "The largest gap between two events seen so far in the load run (exact)."})
	HealthProbeSuccess = define(Query{Name: "health.probe_success", Title: "Stream probe success", Unit: UnitCount, Better: "higher",
		Expr: fmt.Sprintf(`min by (server) (min_over_time((%s{job="sse-probe", server=~"$server"}
			unless on (server, instance) %s{job="sse-probe", reason="connect"} == 1)[$__range:$__interval]))`,
			metricname.ProbeSuccess, metricname.ProbeFailure),
		Help: "1 when every probe of the time range saw a correct, unbuffered stream without stalls. Probes that could not connect (the server stopped between scenarios, its probe not yet retired) do not count."})
	HealthProbeMaxGap = define(Query{Name: "health.probe_max_gap_ms", Title: "Probe: largest gap between events", Unit: UnitMillis, Better: "lower",
		Expr: fmt.Sprintf(`1000 * max by (server) (%s{job="sse-probe", server=~"$server"})`, metricname.ProbeMaxEventGap),
		Help: "Largest gap the probe saw; far above the stub's inter-token delay means a Nagle stall."})
	HealthProbeFirstEvent = define(Query{Name: "health.probe_first_event_share", Title: "Probe: first event / stream duration", Unit: UnitRatio, Better: "lower",
		Expr: fmt.Sprintf(`max by (server) (%s{job="sse-probe", server=~"$server"} / %s{job="sse-probe", server=~"$server"})`,
			metricname.ProbeTimeToFirstEvent, metricname.ProbeStreamDuration),
		Help: "Near 1 means the probe's first event came with the last: buffering."})
)

// RunInfo is the machine and versions of one run, as the writeup's Machine table shows them.
var RunInfo = define(Query{Name: "info.run", Title: "Machine", Unit: UnitCount,
	Expr: fmt.Sprintf(`max by (testid, cpu_model, cpus, memory_bytes, os, kernel, go_version, bun_version, rust_version, git_commit) (last_over_time(%s{testid="$testid"}[$__range]))`, metricname.RunInfo),
	Help: "One series per run carrying the machine, OS and toolchain versions as labels."})

// ServersOfRun lists the servers a run measured (for report headings and Grafana variables).
var ServersOfRun = define(Query{Name: "info.servers", Title: "Servers", Unit: UnitCount,
	Expr: fmt.Sprintf(`max by (server, scenario) (max_over_time(%s{testid="$testid"}[$__range]))`, metricname.K6VUsMax),
	Help: "Each (server, scenario) the run loaded, with its largest VU count."})

// ProcessWatched is 1 per server whose process the exporter finds; the runner waits for it
// before loading a server, so that CPU and memory cover the whole scenario.
var ProcessWatched = define(Query{Name: "health.process_watched", Title: "Process found by the exporter", Unit: UnitCount,
	Expr: fmt.Sprintf(`max by (server) (last_over_time(%s{server=~"$server"}[2s]))`, metricname.ProcessUp),
	Help: "1 when the exporter has found the server's process in its last scrape."})
