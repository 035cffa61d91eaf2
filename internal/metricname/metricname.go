// Package metricname names every metric ssebench writes or reads, once: the load generator's
// (k6's names and ssebench's extras), the runner's, the exporter's and its probe's, and the
// stub's. The writers register their series under these constants, the catalog's PromQL
// reads them, and the docs test holds docs/metrics.md to the same lists; no other Go file
// spells a metric name.
//
// The recording rules' series (server_scenario:…) are the catalog's own and named there.
package metricname

// The load generator's k6-compatible series (k6 sends them too), each labelled testid,
// server and scenario.
const (
	K6HTTPReqs          = "k6_http_reqs_total"
	K6HTTPReqFailed     = "k6_http_req_failed_rate"
	K6HTTPReqDuration   = "k6_http_req_duration_seconds"
	K6HTTPReqWaiting    = "k6_http_req_waiting_seconds"
	K6Iterations        = "k6_iterations_total"
	K6IterationDuration = "k6_iteration_duration_seconds"
	K6DroppedIterations = "k6_dropped_iterations_total"
	K6DataReceived      = "k6_data_received_total"
	K6DataSent          = "k6_data_sent_total"
	K6VUs               = "k6_vus"
	K6VUsMax            = "k6_vus_max"
	K6Checks            = "k6_checks_rate"
)

// The load generator's extras, what k6 cannot see.
const (
	TimeToFirstToken   = "ssebench_time_to_first_token_seconds"
	EventGap           = "ssebench_event_gap_seconds"
	StreamEvents       = "ssebench_stream_events_total"
	StreamsIncomplete  = "ssebench_streams_incomplete_total"
	IterationsFailed   = "ssebench_iterations_failed_total"
	HTTPReqDurationMax = "ssebench_http_req_duration_max_seconds"
	EventGapMax        = "ssebench_event_gap_max_seconds"
	LoadElapsed        = "ssebench_load_elapsed_seconds"
	StreamLength       = "ssebench_stream_length_events"
	GoodputStreams     = "ssebench_goodput_streams_total"
)

// The misbehaving clients of the failure-mode scenarios ("clients" in k6/scenarios.json):
// kept apart from the series above, which stay the well-behaved clients' alone.
const (
	ClientCancels      = "ssebench_client_cancels_total"
	SlowReaders        = "ssebench_slow_readers"
	SlowReaderStreams  = "ssebench_slow_reader_streams_total"
	SlowReaderCutAfter = "ssebench_slow_reader_cut_after_seconds"
)

// LoadGenerator is every series one run of the load generator (internal/load) exposes.
var LoadGenerator = []string{
	K6HTTPReqs, K6HTTPReqFailed, K6HTTPReqDuration, K6HTTPReqWaiting, K6Iterations, K6IterationDuration,
	K6DroppedIterations, K6DataReceived, K6DataSent, K6VUs, K6VUsMax, K6Checks,
	TimeToFirstToken, EventGap, StreamEvents, StreamsIncomplete, IterationsFailed, HTTPReqDurationMax,
	EventGapMax, LoadElapsed, StreamLength, GoodputStreams, ClientCancels, SlowReaders, SlowReaderStreams, SlowReaderCutAfter,
}

// What `ssebench run` pushes besides the load runs: the run's machine and servers, the
// side-by-side rounds and the sweep's verdict (internal/runinfo, internal/runner).
const (
	RunInfo            = "ssebench_run_info"
	ServerInfo         = "ssebench_server_info"
	DuetCPUPerStream   = "ssebench_duet_round_cpu_per_stream_seconds"
	DuetPeakRSS        = "ssebench_duet_round_peak_rss_bytes"
	SweepCapacity      = "ssebench_sweep_capacity_streams_per_second"
	SweepSLOBound      = "ssebench_sweep_slo_ttft_p99_seconds"
	SweepCapacityTTFT  = "ssebench_sweep_capacity_ttft_p99_streams_per_second"
	SweepGoodputTarget = "ssebench_sweep_slo_goodput_ratio"
)

// Runner is every series `ssebench run` pushes of its own.
var Runner = []string{RunInfo, ServerInfo, DuetCPUPerStream, DuetPeakRSS, SweepCapacity, SweepSLOBound,
	SweepCapacityTTFT, SweepGoodputTarget}

// The exporter's series (exporter/collector, exporter/cmd/ssebench-exporter).
const (
	ProcessUp                       = "ssebench_process_up"
	ProcessRestarts                 = "ssebench_process_restarts_total"
	ProcessCPU                      = "ssebench_process_cpu_seconds_total"
	ProcessRSS                      = "ssebench_process_resident_memory_bytes"
	ProcessRSSPeak                  = "ssebench_process_resident_memory_peak_bytes"
	ProcessVirtualMemory            = "ssebench_process_virtual_memory_bytes"
	ProcessThreads                  = "ssebench_process_threads"
	ProcessOpenFDs                  = "ssebench_process_open_fds"
	ProcessContextSwitches          = "ssebench_process_context_switches_total"
	ProcessStartTime                = "ssebench_process_start_time_seconds"
	ServerTCPConnections            = "ssebench_server_tcp_connections"
	ExporterBuildInfo               = "ssebench_exporter_build_info"
	ExporterCollectorSuccess        = "ssebench_exporter_collector_success"
	ExporterCollectorDuration       = "ssebench_exporter_collector_duration_seconds"
	ExporterCollectorPartialErrors  = "ssebench_exporter_collector_partial_errors_total"
	ExporterTargets                 = "ssebench_exporter_targets"
	ExporterConfigReloadSuccessful  = "ssebench_exporter_config_last_reload_successful"
	ExporterConfigReloadSuccessTime = "ssebench_exporter_config_last_reload_success_timestamp_seconds"
)

// Exporter is every series of the exporter's /metrics.
var Exporter = []string{
	ProcessUp, ProcessRestarts, ProcessCPU, ProcessRSS, ProcessRSSPeak, ProcessVirtualMemory, ProcessThreads,
	ProcessOpenFDs, ProcessContextSwitches, ProcessStartTime, ServerTCPConnections, ExporterBuildInfo,
	ExporterCollectorSuccess, ExporterCollectorDuration, ExporterCollectorPartialErrors, ExporterTargets,
	ExporterConfigReloadSuccessful, ExporterConfigReloadSuccessTime,
}

// The exporter's stream probe (exporter/probe, /probe), blackbox_exporter style.
const (
	ProbeSuccess          = "probe_success"
	ProbeDuration         = "probe_duration_seconds"
	ProbeHTTPStatusCode   = "probe_http_status_code"
	ProbeTimeToFirstByte  = "probe_sse_time_to_first_byte_seconds"
	ProbeTimeToFirstEvent = "probe_sse_time_to_first_event_seconds"
	ProbeStreamDuration   = "probe_sse_stream_duration_seconds"
	ProbeFirstToLastEvent = "probe_sse_first_to_last_event_seconds"
	ProbeEvents           = "probe_sse_events"
	ProbeMaxEventGap      = "probe_sse_max_event_gap_seconds"
	ProbeDone             = "probe_sse_done"
	ProbeFailure          = "probe_sse_failure"
)

// Probe is every series of one probe.
var Probe = []string{
	ProbeSuccess, ProbeDuration, ProbeHTTPStatusCode, ProbeTimeToFirstByte, ProbeTimeToFirstEvent,
	ProbeStreamDuration, ProbeFirstToLastEvent, ProbeEvents, ProbeMaxEventGap, ProbeDone, ProbeFailure,
}

// The stub's own /metrics (internal/stub).
const (
	StubStreamsStarted       = "ssebench_stub_streams_started_total"
	StubStreamsCompleted     = "ssebench_stub_streams_completed_total"
	StubStreamsClientAborted = "ssebench_stub_streams_client_aborted_total"
	StubStreamsFaultAborted  = "ssebench_stub_streams_fault_aborted_total"
	StubErrorsInjected       = "ssebench_stub_errors_injected_total"
	StubStalls               = "ssebench_stub_stalls_total"
	StubStreamEvents         = "ssebench_stub_stream_events_total"
	StubStreamsActive        = "ssebench_stub_streams_active"
	StubRequests             = "ssebench_stub_requests_total"
	StubCancelPropagation    = "ssebench_stub_cancel_propagation_seconds"
	StubCancelsMissed        = "ssebench_stub_cancels_not_propagated_total"
	StubStreamTokens         = "ssebench_stub_stream_tokens"
)

// Stub is every series of the stub's /metrics.
var Stub = []string{
	StubStreamsStarted, StubStreamsCompleted, StubStreamsClientAborted, StubStreamsFaultAborted,
	StubErrorsInjected, StubStalls, StubStreamEvents, StubStreamsActive, StubRequests,
	StubCancelPropagation, StubCancelsMissed, StubStreamTokens,
}
