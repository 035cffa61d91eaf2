package catalog

import (
	"fmt"
	"time"

	"github.com/ssebench/ssebench/internal/metricname"
)

// The failure modes under load: clients that cancel, clients that read slowly, thousands of
// idle streams. Each is a scenario of k6/scenarios.json with a table of its own. They run one
// server at a time, so the stub's series, which have no server label, are attributed to the
// server whose scenario was running (stubDuring).

// Scenario names of the failure modes, as k6/scenarios.json defines them.
const (
	ScenarioCancel             = "cancel"
	ScenarioSlowReaders        = "slow-readers"
	ScenarioSlowReadersControl = "slow-readers-control" // slow-readers without the slow readers
	ScenarioIdleStreams        = "idle-streams"
)

// ResidueDelay is when, after the cancel scenario, its residue columns read the server's
// fds, threads and memory: what a leak leaves does not return within it. The runner keeps
// the server up that long and a little more (ScenarioTable.Settle).
const ResidueDelay = 10 * time.Second

var (
	cancelOnly  = scope{serverVar: "$server", scenario: ScenarioCancel}
	slowOnly    = scope{serverVar: "$server", scenario: ScenarioSlowReaders}
	slowControl = scope{serverVar: "$server", scenario: ScenarioSlowReadersControl}
	idleOnly    = scope{serverVar: "$server", scenario: ScenarioIdleStreams}
)

// perServer are the labels of s.by() without the scenario: a scenario's row meets its
// control's on them.
func (s scope) perServer() string {
	if s.trials {
		return "testid, server"
	}
	return "server"
}

// stubDuring is the growth of a stub counter (or each bucket of a stub histogram) while each
// (server, scenario) of s ran, summed by the labels by: per-second differences, kept only
// while the scenario's load was active or had just ended, add up to the growth within its
// window. The window reaches stubLinger past each end of the load's pushes, for the stub's
// scrapes on either side (the load generator pushes its first second after the load began)
// to land in it: the scenarios of s are never that close to another of theirs.
func stubDuring(s scope, series, by string) string {
	linger := int(stubLinger.Seconds())
	lingering := fmt.Sprintf(`(max by (%s) (max_over_time(%s[%ds] offset -%ds)) * 0 + 1)`, s.by(), s.load(metricname.K6VUs), 2*linger, linger)
	return fmt.Sprintf(`sum by (%s) (sum_over_time(((%s - %s offset 1s) * on () group_left (%s) %s)[$__range:1s]))`,
		by, series, series, s.by(), lingering)
}

// stubProcess is a figure of the stub's while each scenario of s ran: its own process's (the
// runner watches the stub under the reference's name, direct, for the whole run, so a
// harness limit is not taken for the proxy's; without the reference there is none), or one
// of its own series, which have no server label.
func stubProcess(s scope, agg, perStub string) string {
	return fmt.Sprintf(`%s_over_time((%s * on () group_left (%s) %s)[$__range:1s])`, agg, perStub, s.by(), s.active())
}

func stubCPUPercent(s scope) string {
	return "100 * " + stubProcess(s, "avg", fmt.Sprintf(`sum (irate(%s{server="%s"}[5s]))`, metricname.ProcessCPU, ReferenceServer))
}

func stubPeakMiB(s scope) string {
	return stubProcess(s, "max", fmt.Sprintf(`max (%s{server="%s"})`, metricname.ProcessRSS, ReferenceServer)) + " / 1048576"
}

// stubColumns are the stub's CPU and memory beside each failure mode's figures.
func stubColumns(prefix string, s scope) []Query {
	return []Query{
		define(Query{Name: prefix + ".stub_cpu_percent", Title: "stub cpu %", Unit: UnitPercent,
			Expr: stubCPUPercent(s), Help: "The stub's own average CPU during the scenario (100 = one core): a stub near its limit is the harness's limit, not the proxy's. Needs the direct reference, which watches the stub."}),
		define(Query{Name: prefix + ".stub_mib", Title: "stub MiB", Unit: UnitMiB,
			Expr: stubPeakMiB(s), Help: "The stub's own highest resident memory during the scenario."}),
	}
}

// stubLinger is how long before and after a scenario's load the stub's growth counts as its.
const stubLinger = 3 * time.Second

// loadMax is the most a load-generator gauge reached in each run of s.
func loadMax(s scope, metric string, matchers ...string) string {
	return fmt.Sprintf(`max by (%s) (max_over_time(%s[$__range]))`, s.by(), s.load(metric, matchers...))
}

// loadFinal is the sum of a load-generator counter's last values in each run of s.
func loadFinal(s scope, metric string, matchers ...string) string {
	return s.cell(func(p pick) string { return byRun("sum", p(metric, matchers...)) })
}

// residue is what the scenario left behind: a per-server gauge ResidueDelay after the
// scenario's load ended, minus the gauge just before it began.
func residue(s scope, gauge string) string {
	after := fmt.Sprintf(`(max by (%s) (%s offset %ds) * 0 + 1)`, s.by(), s.load(metricname.K6VUs), int(ResidueDelay.Seconds()))
	return fmt.Sprintf(`last_over_time((%s * on (server) group_right () %s)[$__range:1s]) - %s`, gauge, after, before(s, gauge))
}

// before is a per-server gauge at its least in the restLookback before each scenario of s
// began: the server at rest, or at the previous scenario's lighter load. (Neither the least
// during the load nor the last second before it is: the load generator's first push comes a
// second after 2,000 streams that start at once have opened.)
func before(s scope, gauge string) string {
	lookback := int(restLookback.Seconds())
	ahead := fmt.Sprintf(`((max by (%[1]s) (max_over_time(%[2]s[%[4]ds] offset -%[4]ds)) * 0 + 1) unless on (%[1]s) %[3]s)`,
		s.by(), s.load(metricname.K6VUs), s.active(), lookback)
	return fmt.Sprintf(`min_over_time((%s * on (server) group_right () %s)[$__range:1s])`, gauge, ahead)
}

// restLookback is how far before a scenario its server's state at rest is looked for.
const restLookback = 10 * time.Second

// addedDuring is what a scenario of s added to a per-server gauge: its highest during the
// load minus its least before it.
func addedDuring(s scope, gauge string) string {
	return fmt.Sprintf(`(max_over_time(%s[$__range:1s]) - %s)`, s.duringLoad(gauge), before(s, gauge))
}

// addedPerStream is what each stream open at once added to a per-server gauge: its highest
// during the load minus its value before the load, over the most streams open at once.
func addedPerStream(s scope, gauge string) string {
	return fmt.Sprintf(`%s / %s`, addedDuring(s, gauge), openStreams(s))
}

// processGauge is an exporter gauge of each server.
func processGauge(s scope, metric string) string {
	return fmt.Sprintf(`max by (server) (%s)`, s.process(metric))
}

// clientConnections are the TCP connections on each server's listening ports that the
// server still holds: not listening, nor in TIME_WAIT (which the kernel holds, not it).
// The exporter has no series for a state no socket is in: with none held, 0 from the
// listening socket's series.
func clientConnections(s scope) string {
	sel := func(state string) string {
		return fmt.Sprintf(`%s{server=~"%s", state%s}`, metricname.ServerTCPConnections, s.serverVar, state)
	}
	return fmt.Sprintf(`(sum by (server) (%s) or 0 * sum by (server) (%s))`, sel(`!~"listen|time_wait"`), sel(`="listen"`))
}

// The cancel table: a share of the clients close their stream at a random moment; a
// proxy should cancel its request to the stub at once.
var (
	CancelSent = define(Query{Name: "cancel.cancels_sent", Title: "cancels", Unit: UnitCount,
		Expr: loadFinal(cancelOnly, metricname.ClientCancels),
		Help: "Streams the cancelling clients closed on purpose, mid-stream."})
	CancelPropagatedPercent = define(Query{Name: "cancel.propagated_percent", Title: "propagated %", Unit: UnitPercent, Better: "higher",
		Expr: fmt.Sprintf(`100 * clamp_max(%s / %s, 1)`,
			stubDuring(cancelOnly, metricname.StubCancelPropagation+"_count", cancelOnly.by()), loadFinal(cancelOnly, metricname.ClientCancels)),
		Help: "Share of the clients' cancels that reached the stub as an aborted request (the proxy cancelled its upstream stream)."})
	CancelNotPropagated = define(Query{Name: "cancel.not_propagated", Title: "not propagated", Unit: UnitCount, Better: "lower",
		Expr: stubDuring(cancelOnly, metricname.StubCancelsMissed, cancelOnly.by()),
		Help: "Cancelled streams the stub sent to their end anyway: tokens paid for that nobody reads."})
	CancelPropagationP50 = define(Query{Name: "cancel.propagation_p50_ms", Title: "cancel p50 ms", Unit: UnitMillis, Better: "lower",
		Expr: cancelPropagationMs(0.5),
		Help: "Median time from a client's close to the stub's seeing its stream aborted."})
	CancelPropagationP99 = define(Query{Name: "cancel.propagation_p99_ms", Title: "cancel p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: cancelPropagationMs(0.99),
		Help: "p99 time from a client's close to the stub's seeing its stream aborted."})
	CancelConnResidue = define(Query{Name: "cancel.client_conns_residue", Title: "client conns +10 s", Unit: UnitCount, Better: "lower",
		Expr: residue(cancelOnly, clientConnections(cancelOnly)),
		Help: "Client connections the server still holds 10 s after the scenario (every client has closed by then) minus the fewest during it: a leak of cancelled clients' sockets stays above 0."})
	CancelFDResidue = define(Query{Name: "cancel.fds_residue", Title: "fds +10 s", Unit: UnitCount, Better: "lower",
		Expr: residue(cancelOnly, processGauge(cancelOnly, metricname.ProcessOpenFDs)),
		Help: "Open file descriptors 10 s after the scenario minus the fewest during it; besides a leak, a pool of idle upstream connections the proxy keeps."})
	CancelThreadResidue = define(Query{Name: "cancel.threads_residue", Title: "threads +10 s", Unit: UnitCount, Better: "lower",
		Expr: residue(cancelOnly, processGauge(cancelOnly, metricname.ProcessThreads)),
		Help: "Threads 10 s after the scenario minus the fewest during it."})
	CancelRSSResidue = define(Query{Name: "cancel.rss_residue_mib", Title: "RSS +10 s MiB", Unit: UnitMiB, Better: "lower",
		Expr: "(" + residue(cancelOnly, processGauge(cancelOnly, metricname.ProcessRSS)) + ") / 1048576",
		Help: "Resident memory 10 s after the scenario minus the least during it (MiB); a garbage-collected runtime returns memory slowly, so only a growth that repeats run after run is a leak."})
	CancelFailPercent = failPercentColumn("cancel", cancelOnly, "Share of the well-behaved clients' iterations that failed.")
)

func cancelPropagationMs(q float64) string {
	return fmt.Sprintf(`1000 * histogram_quantile(%g, %s)`, q,
		stubDuring(cancelOnly, metricname.StubCancelPropagation+"_bucket", cancelOnly.by()+", le"))
}

// CancelColumns is the cancel table, ranked by the share propagated.
var CancelColumns = append([]Query{CancelSent, CancelPropagatedPercent, CancelNotPropagated, CancelPropagationP50,
	CancelPropagationP99, CancelConnResidue, CancelFDResidue, CancelThreadResidue, CancelRSSResidue, CancelFailPercent},
	stubColumns("cancel", cancelOnly)...)

// overControl is a slow-readers figure minus the same figure of the control scenario (the
// same load without the slow readers) of the same server.
func overControl(with, without string) string {
	return fmt.Sprintf(`%s - on (%s) group_left () %s`, with, slowOnly.perServer(), without)
}

func slowOutcomes(outcome string) string {
	if outcome == "" {
		return loadFinal(slowOnly, metricname.SlowReaderStreams)
	}
	return loadFinal(slowOnly, metricname.SlowReaderStreams, fmt.Sprintf(`outcome="%s"`, outcome))
}

// The slow-readers table: beside well-behaved clients, some read at a trickle. A proxy
// either lets the kernel's buffers push back on the upstream (memory flat), buffers for them
// (memory grows with each slow reader), or drops them.
var (
	SlowReadersCount = define(Query{Name: "slow_readers.readers", Title: "slow readers", Unit: UnitCount,
		Expr: loadMax(slowOnly, metricname.SlowReaders), Help: "Slow readers reading at once, at most."})
	SlowReadersKiBPerReader = define(Query{Name: "slow_readers.kib_per_reader", Title: "KiB/slow reader", Unit: UnitCount, Better: "lower",
		Expr: fmt.Sprintf(`(%s) / 1024 / %s`, overControl(addedDuring(slowOnly, processGauge(slowOnly, metricname.ProcessRSS)),
			addedDuring(slowControl, processGauge(slowControl, metricname.ProcessRSS))), loadMax(slowOnly, metricname.SlowReaders)),
		Help: "Resident memory the scenario added (its most minus the least before it) with the slow readers, minus the same without them (slow-readers-control), per slow reader (KiB): what the server buffers for each."})
	SlowReadersCutPercent = define(Query{Name: "slow_readers.cut_percent", Title: "cut %", Unit: UnitPercent,
		Expr: fmt.Sprintf(`100 * %s / %s`, slowOutcomes("cut"), slowOutcomes("")),
		Help: "Share of the slow readers' streams the server cut before [DONE]: it drops slow clients."})
	SlowReadersCutAfter = define(Query{Name: "slow_readers.cut_after_p50_s", Title: "cut after p50 s", Unit: UnitSeconds,
		Expr: slowOnly.cell(quantileOf(0.5, metricname.SlowReaderCutAfter)),
		Help: "Median time from a slow reader's request to the server's cutting its stream."})
	SlowReadersDone = define(Query{Name: "slow_readers.done", Title: "slow done", Unit: UnitCount,
		Expr: slowOutcomes("done"), Help: "Slow readers' streams read to [DONE]."})
	SlowReadersAddedTTFTP99 = define(Query{Name: "slow_readers.added_ttft_p99_ms", Title: "+ttft p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: overControl(quantileMs(slowOnly, metricname.TimeToFirstToken, 0.99), quantileMs(slowControl, metricname.TimeToFirstToken, 0.99)),
		Help: "The well-behaved clients' p99 time to first token with the slow readers minus without: head-of-line blocking."})
	SlowReadersAddedGapP99 = define(Query{Name: "slow_readers.added_gap_p99_ms", Title: "+gap p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: overControl(quantileMs(slowOnly, metricname.EventGap, 0.99), quantileMs(slowControl, metricname.EventGap, 0.99)),
		Help: "The well-behaved clients' p99 gap between events with the slow readers minus without."})
	SlowReadersFailPercent = failPercentColumn("slow_readers", slowOnly, "Share of the well-behaved clients' iterations that failed.")
)

// SlowReadersColumns is the slow-readers table, ranked by memory per slow reader.
var SlowReadersColumns = append([]Query{SlowReadersCount, SlowReadersKiBPerReader, SlowReadersCutPercent, SlowReadersCutAfter,
	SlowReadersDone, SlowReadersAddedTTFTP99, SlowReadersAddedGapP99, SlowReadersFailPercent},
	stubColumns("slow_readers", slowOnly)...)

// openStreams is the most streams each run of s held open at once (its VUs).
func openStreams(s scope) string { return loadMax(s, metricname.K6VUs) }

// The idle-streams table: thousands of streams open at once, each one token a second —
// what an LLM gateway mostly does.
var (
	IdleStreamsOpen = define(Query{Name: "idle_streams.open", Title: "open streams", Unit: UnitCount,
		Expr: openStreams(idleOnly), Help: "Streams held open at once, at most."})
	IdleStreamsUpstream = define(Query{Name: "idle_streams.upstream_open", Title: "open at stub", Unit: UnitCount, Better: "higher",
		Expr: stubProcess(idleOnly, "max", fmt.Sprintf(`max (%s)`, metricname.StubStreamsActive)),
		Help: "Streams open at the stub at once, at most: fewer than the open streams when the proxy holds clients waiting instead of relaying them (a cap on its upstream connections)."})
	IdleStreamsKiB = define(Query{Name: "idle_streams.kib_per_stream", Title: "KiB/stream", Unit: UnitCount, Better: "lower",
		Expr: addedPerStream(idleOnly, processGauge(idleOnly, metricname.ProcessRSS)) + " / 1024",
		Help: "Resident memory the open streams added (the most during the load minus before it) per open stream (KiB)."})
	IdleStreamsFDs = define(Query{Name: "idle_streams.fds_per_stream", Title: "fds/stream", Unit: UnitCount, Better: "lower", Decimals: 2,
		Expr: addedPerStream(idleOnly, processGauge(idleOnly, metricname.ProcessOpenFDs)),
		Help: "Open file descriptors the streams added (the most during the load minus before it) per open stream: 2 for a proxy with a connection each way."})
	IdleStreamsCPU = define(Query{Name: "idle_streams.cpu_us_per_stream_second", Title: "cpu µs/stream·s", Unit: UnitCount, Better: "lower",
		Expr: fmt.Sprintf(`1e6 * avg_over_time(%s[$__range:1s]) / %s`, idleOnly.duringLoad(serverCPU(idleOnly)), openStreams(idleOnly)),
		Help: "CPU time per second per open stream while they idle between tokens (µs): the cost of timers and polling."})
	IdleStreamsGapP99 = define(Query{Name: "idle_streams.gap_p99_ms", Title: "gap p99 ms", Unit: UnitMillis, Better: "lower",
		Expr: quantileMs(idleOnly, metricname.EventGap, 0.99),
		Help: "p99 gap between events (the stub sends one a second): a proxy that batches idle streams shows it here."})
	IdleStreamsFailPercent = failPercentColumn("idle_streams", idleOnly, "Share of the idle streams that failed.")
)

// IdleStreamsColumns is the idle-streams table, ranked by memory per open stream.
var IdleStreamsColumns = append([]Query{IdleStreamsOpen, IdleStreamsUpstream, IdleStreamsKiB, IdleStreamsFDs, IdleStreamsCPU,
	IdleStreamsGapP99, IdleStreamsFailPercent}, stubColumns("idle_streams", idleOnly)...)
