package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/metricname"
)

// Recording and alerting rules (rendered into prometheus/rules/ssebench.yml by
// `go run ./prometheus/rules/gen`).
//
// How a load run becomes one point of a year-long series, in three stages, all in one rule
// group so that each stage sees the previous stage's samples of the same evaluation:
//
//  1. live: while a load run pushes (its k6 series are fresh, i.e. not yet stale-marked),
//     each evaluation records the run-so-far value with labels server and scenario only.
//     The load generator's series are cumulative from the start of the run, so the live
//     throughput, quantiles and failed ratio are exact run-so-far values and the last one
//     equals the results table; CPU, which the exporter reports per process and not per
//     run, is a running mean that restarts with each run (see RuleRunCPU).
//  2. final: at the first evaluation after the run ended (`live offset 1s unless live` is
//     present there only), the live expression over the last samples of the load series
//     (their final push arrives with the stale markers, so no live evaluation sees it), or
//     for the exporter's series the last live value: one sample per run.
//  3. baseline: at that same evaluation, the median and the count of the earlier finals of
//     the last BaselineWindow, recorded beside the final (offset 1s keeps the run itself out).
//
// Alerts then judge the latest final of each (server, scenario), held by last_over_time for
// HoldWindow, so an alert fires when a run ends and resolves when a later run recovers.

// AlertThresholds is the one place where the alerts' limits live.
type AlertThresholds struct {
	// ThroughputBelow: a run below this share of the baseline median regressed. 10 % is
	// about three times the run-to-run spread of req/s seen on a shared 2-core machine.
	ThroughputBelow float64
	// LatencyAbove: p95 above this share of the baseline regressed (p95 is noisier than the mean).
	LatencyAbove float64
	// CPUAbove: average CPU above this share of the baseline; CPU of a proxy under the same
	// load varies by about ±10 % between runs (scheduler, turbo, neighbours), so 25 %.
	CPUAbove float64
	// MemoryAbove and MemoryMinIncreaseBytes: peak RSS above this share of the baseline AND
	// more than this many bytes above it. Garbage-collected runtimes move their peak by
	// tens of percent with GC timing; small Rust servers double from 3 to 6 MiB harmlessly.
	MemoryAbove            float64
	MemoryMinIncreaseBytes float64
	// MinEarlierRuns: fewer earlier runs in the baseline window give no verdict.
	MinEarlierRuns int
	// SpreadSigmas: a regression must also lie this many robust standard deviations of the
	// earlier runs (interquartile range / 1.349) beyond their median, so that a server whose
	// runs vary by more than the fixed share is judged by its own noise (issue 12's A/A runs
	// moved by 3–24 %). The IQR ignores the odd outlier run that a standard deviation would
	// let mask every later regression.
	SpreadSigmas float64
	// FirstTokenShare: median time to first token over median stream duration above this
	// means the proxy buffers the stream (the first token arrives with the last).
	FirstTokenShare float64
	// GapP99OverP50, GapP99FloorSeconds and GapStallShare: the p99 gap between events above
	// this multiple of the median gap (the upstream's pace) and above the floor (Linux's
	// delayed ACK is 40 ms), with more than GapStallShare of all gaps above the floor, is a
	// Nagle stall. A stall per stream is ≥ 1 gap in 10 with short streams; a loaded machine
	// stretches ~1 % of gaps as far, which the share keeps from paging.
	GapP99OverP50      float64
	GapP99FloorSeconds float64
	GapStallShare      float64
	// ExporterDownFor: how long the exporter may be unreachable before it pages.
	ExporterDownFor time.Duration
}

// Thresholds are the limits the committed rules use.
var Thresholds = AlertThresholds{
	ThroughputBelow:        0.90,
	LatencyAbove:           1.20,
	CPUAbove:               1.25,
	MemoryAbove:            1.30,
	MemoryMinIncreaseBytes: 8 << 20,
	MinEarlierRuns:         3,
	SpreadSigmas:           2,
	FirstTokenShare:        0.9,
	GapP99OverP50:          4,
	GapP99FloorSeconds:     0.035,
	GapStallShare:          0.05,
	ExporterDownFor:        30 * time.Second,
}

// Windows of the rules.
const (
	RunWindow      = "2m"  // k6 runs (no elapsed gauge): rate and CPU windows, longer than the longest scenario (stress, 70 s + graceful stop)
	BaselineWindow = "14d" // earlier runs the regression alerts compare against
	HoldWindow     = "14d" // how long the latest run's verdict stands without a newer run
	endOffset      = "1s"  // any offset in (0, evaluation interval] finds the last live sample
	endWindow      = "5s"  // reaches the final push; shorter than the gap between two runs of one server and scenario
)

// Live recording series besides the four trend series of dashboards_extra.go.
//
// Every rule series is named level:metric:operations, as Prometheus' rule conventions ask:
// the labels it keeps (server_scenario), the metric it is derived from, and the operations
// applied to it, newest first; "_run" is "over the load run so far".
const (
	RunFailedSeries          = "server_scenario:ssebench_iterations_failed_per_iterations:ratio_run"
	RunTTFTP95Series         = "server_scenario:ssebench_time_to_first_token_seconds:p95_run"
	RunFirstTokenShareSeries = "server_scenario:ssebench_time_to_first_token_per_http_req_duration:ratio_p50_run"
	RunGapP99Series          = "server_scenario:ssebench_event_gap_seconds:p99_run"
	RunGapP50Series          = "server_scenario:ssebench_event_gap_seconds:p50_run"
	RunGapStallShareSeries   = "server_scenario:ssebench_event_gap_seconds:stalled_ratio_run"
	// LoadCPUSeries is the server's CPU each second while a scenario loads it.
	LoadCPUSeries = "server_scenario:ssebench_process_cpu_seconds:irate5s"
	// RunEndSeries has one sample per load run, at its end, valued with the end time: the
	// run index that gives alerts the testid of the latest run. It is the only rule series
	// labelled with testid, and costs one sample per run.
	RunEndSeries = "testid_server_scenario:k6_vus:timestamp_last"
)

// withOp names the series made by applying op to a rule series: the newest operation
// goes first in the name's last part.
func withOp(series, op string) string {
	i := strings.LastIndex(series, ":")
	return series[:i+1] + op + "_" + series[i+1:]
}

// FinalOf, BaselineOf, SpreadOf and RunsOf name the per-run series derived from a live
// series: its value at the run's end, and the median, robust spread and count of the
// earlier finals of the baseline window.
func FinalOf(live string) string    { return withOp(live, "final") }
func BaselineOf(live string) string { return withOp(FinalOf(live), "median"+BaselineWindow) }
func SpreadOf(live string) string   { return withOp(FinalOf(live), "robust_sd"+BaselineWindow) }
func RunsOf(live string) string     { return withOp(FinalOf(live), "count"+BaselineWindow) }

// bySeries keeps one value per (server, scenario): the rules' level. Only the run index
// keeps testid.
func bySeries(expr string) string { return fmt.Sprintf("max by (server, scenario) (%s)", expr) }

// loadElapsed is the seconds since each (server, scenario)'s load run started.
var loadElapsed = bySeries(metricname.LoadElapsed)

// liveK6Rate is the throughput of a k6 run, which sends no elapsed gauge: while it runs
// its length is unknown, so the rate over the run window.
var liveK6Rate runValue = func(p pick) string {
	return fmt.Sprintf(`%s and on (%s) %s`,
		byRun("sum", fmt.Sprintf("rate(%s[%s])", metricname.K6HTTPReqs, RunWindow)), perRun, p(metricname.K6VUs))
}

var runThroughput = throughputOf(liveK6Rate)

// Live series: run-so-far values, present only while a load run is active.
var (
	RuleRunThroughput = define(Query{Name: "rules.run_req_per_second", Title: "Run throughput so far", Unit: UnitReqPerSec, Better: "higher",
		Expr: bySeries(runThroughput(livePick)),
		Help: "Requests over elapsed seconds since the load run started (k6 without the elapsed gauge: rate over the run window)."})
	RuleRunLatencyP95 = define(Query{Name: "rules.run_latency_p95", Title: "Run p95 so far", Unit: UnitSeconds, Better: "lower",
		Expr: bySeries(quantileOf(0.95, metricname.K6HTTPReqDuration)(livePick)),
		Help: "95th percentile of whole-stream duration since the load run started (cumulative native histogram)."})
	RuleRunTTFTP95 = define(Query{Name: "rules.run_ttft_p95", Title: "Run time-to-first-token p95 so far", Unit: UnitSeconds, Better: "lower",
		Expr: bySeries(quantileOf(0.95, metricname.TimeToFirstToken)(livePick)),
		Help: "95th percentile of time to first token since the load run started."})
	RuleRunFailed = define(Query{Name: "rules.run_failed_ratio", Title: "Run failed ratio so far", Unit: UnitRatio, Better: "lower",
		Expr: bySeries(failedRatio(livePick)),
		Help: "Iterations with a transport error or a failed check over all iterations (k6: streams without [DONE])."})
	RuleRunFirstTokenShare = define(Query{Name: "rules.run_first_token_share", Title: "Run first-token share so far", Unit: UnitRatio, Better: "lower",
		Expr: bySeries(firstTokenShare(livePick)),
		Help: "Median time to first token over median stream duration: near 1 when the proxy buffers the stream."})
	RuleRunGapP99 = define(Query{Name: "rules.run_event_gap_p99", Title: "Run p99 gap between events so far", Unit: UnitSeconds, Better: "lower",
		Expr: bySeries(quantileOf(0.99, metricname.EventGap)(livePick)),
		Help: "99th percentile of the gaps between consecutive events since the load run started."})
	RuleRunGapP50 = define(Query{Name: "rules.run_event_gap_p50", Title: "Run median gap between events so far", Unit: UnitSeconds, Better: "lower",
		Expr: bySeries(quantileOf(0.5, metricname.EventGap)(livePick)),
		Help: "Median gap between events: the pace the upstream sets, against which stalls are judged."})
	RuleRunGapStallShare = define(Query{Name: "rules.run_event_gap_stalled", Title: "Run share of stalled gaps so far", Unit: UnitRatio, Better: "lower",
		Expr: bySeries(gapStallShare(livePick)),
		Help: "Share of the gaps between events longer than the stall floor (Nagle's algorithm with delayed ACK: about 40 ms)."})
	RuleLoadCPU = define(Query{Name: "rules.load_cpu", Title: "Server CPU under load", Unit: UnitRatio, Better: "lower",
		Expr: liveRuns.duringLoad(serverCPU(liveRuns)),
		Help: "CPU of the server process (1 = one core) each second while a scenario loads it, labelled with that scenario."})
	RuleRunCPU = define(Query{Name: "rules.run_cpu", Title: "Run CPU so far", Unit: UnitRatio, Better: "lower",
		Expr: fmt.Sprintf(`%s + on (server, scenario) (%s - on (server, scenario) %s) / on (server, scenario) clamp_min(%s, 1)
			or on (server, scenario) %s and on (server, scenario) %s
			or on (server, scenario) avg_over_time(%s[%s]) and on (server, scenario) %s`,
			TrendCPUSeries, LoadCPUSeries, TrendCPUSeries, loadElapsed,
			LoadCPUSeries, loadElapsed,
			LoadCPUSeries, RunWindow, LoadCPUSeries),
		Help: "Running mean of the server's CPU over the scenario's active seconds: each evaluation moves the previous value (this very series) towards the current CPU by 1/elapsed, which restarts the mean at every run; k6 runs without the elapsed gauge average over the run window."})
	RuleRunMemoryPeak = define(Query{Name: "rules.run_memory_peak", Title: "Run peak RSS so far", Unit: UnitBytes, Better: "lower",
		Expr: liveRuns.duringLoad(serverPeakRSS(liveRuns)),
		Help: "The server's resident high-water mark, which the runner resets when each scenario starts."})
)

// liveRule pairs a live series with its expression; regression marks those with a baseline.
type liveRule struct {
	series     string
	query      Query
	regression bool
	load       runValue // nil for the exporter's series, whose final is the last live value
}

var liveRules = []liveRule{
	{LoadCPUSeries, RuleLoadCPU, false, nil},
	{TrendThroughputSeries, RuleRunThroughput, true, runThroughput},
	{TrendLatencyP95Series, RuleRunLatencyP95, true, quantileOf(0.95, metricname.K6HTTPReqDuration)},
	{TrendCPUSeries, RuleRunCPU, true, nil},
	{TrendMemoryPeakSeries, RuleRunMemoryPeak, true, nil},
	{RunFailedSeries, RuleRunFailed, false, failedRatio},
	{RunTTFTP95Series, RuleRunTTFTP95, false, quantileOf(0.95, metricname.TimeToFirstToken)},
	{RunFirstTokenShareSeries, RuleRunFirstTokenShare, false, firstTokenShare},
	{RunGapP99Series, RuleRunGapP99, false, quantileOf(0.99, metricname.EventGap)},
	{RunGapP50Series, RuleRunGapP50, false, quantileOf(0.5, metricname.EventGap)},
	{RunGapStallShareSeries, RuleRunGapStallShare, false, gapStallShare},
}

// runEnded is present, once per run, at the first evaluation after the live series ended.
func runEnded(live string) string {
	return fmt.Sprintf(`%s offset %s unless on (server, scenario) %s`, live, endOffset, live)
}

func finalQuery(live liveRule) Query {
	q := Query{Name: live.query.Name + ".final", Title: live.query.Title + " — run final", Unit: live.query.Unit, Better: live.query.Better,
		Expr: runEnded(live.series),
		Help: "The live value of the evaluation before the run ended, recorded once: one sample per run."}
	if live.load != nil {
		q.Expr = fmt.Sprintf(`%s and on (server, scenario) (%s)`, bySeries(live.load(finalPick)), runEnded(live.series))
		q.Help = "The live expression over the load series' last samples (the final push, which no live evaluation sees), recorded once per run as it ends."
	}
	return define(q)
}

func baselineQuery(live liveRule) Query {
	f := FinalOf(live.series)
	return define(Query{Name: live.query.Name + ".baseline_median", Title: live.query.Title + " — median of earlier runs", Unit: live.query.Unit,
		Expr: fmt.Sprintf(`quantile_over_time(0.5, %s[%s] offset %s) and on (server, scenario) %s or on (server, scenario) %s`,
			f, BaselineWindow, endOffset, f, f),
		Help: "Median of the earlier runs' finals in the baseline window, recorded with each final (the run itself when it has no history)."})
}

func spreadQuery(live liveRule) Query {
	f := FinalOf(live.series)
	return define(Query{Name: live.query.Name + ".baseline_spread", Title: live.query.Title + " — spread of earlier runs", Unit: live.query.Unit,
		Expr: fmt.Sprintf(`(quantile_over_time(0.75, %s[%s] offset %s) - quantile_over_time(0.25, %s[%s] offset %s)) / 1.349
			and on (server, scenario) %s or on (server, scenario) %s * 0`,
			f, BaselineWindow, endOffset, f, BaselineWindow, endOffset, f, f),
		Help: "Robust standard deviation (interquartile range / 1.349) of the earlier runs' finals, recorded with each final (0 without history)."})
}

func runsQuery(live liveRule) Query {
	f := FinalOf(live.series)
	return define(Query{Name: live.query.Name + ".earlier_runs", Title: live.query.Title + " — earlier runs", Unit: UnitCount,
		Expr: fmt.Sprintf(`count_over_time(%s[%s] offset %s) and on (server, scenario) %s or on (server, scenario) %s * 0`,
			f, BaselineWindow, endOffset, f, f),
		Help: "How many earlier runs the baseline median is taken over, recorded with each final."})
}

// RuleRunEnd records the testid of each run as it ends (see RunEndSeries).
var RuleRunEnd = define(Query{Name: "rules.run_end", Title: "Run end", Unit: UnitSeconds,
	Expr: fmt.Sprintf(`max by (%s) (%s offset %s) * 0 + time() and on (server, scenario) %s`,
		perRun, metricname.K6VUs, endOffset, FinalOf(TrendThroughputSeries)),
	Help: "One sample per load run at its end, labelled with its testid, valued with the end time."})

// RecordingRule is one `record:` entry.
type RecordingRule struct {
	Record string
	Query  Query
}

// AlertingRule is one `alert:` entry; Summary and Description are Prometheus templates.
type AlertingRule struct {
	Alert       string
	Query       Query
	For         time.Duration
	Severity    string
	Summary     string
	Description string
	// DashboardPath is the Run dashboard link below Grafana's base URL, which the rules
	// generator is given (--grafana-url): where Grafana is differs from one setup to another.
	DashboardPath string
}

// RunbookAnchor is the alert's section of the runbook (prometheus/rules/README.md): its
// name in lower case, as GitHub and most renderers make heading anchors.
func (a AlertingRule) RunbookAnchor() string { return strings.ToLower(a.Alert) }

// RuleGroup is one group of the rule file. Interval 0 uses the global evaluation interval.
type RuleGroup struct {
	Name      string
	Interval  time.Duration
	Recording []RecordingRule
	Alerts    []AlertingRule
}

var runRecordingRules = buildRunRecordingRules()

// buildRunRecordingRules orders the rules as the stages need: every live series, then
// every final (which reads the live stale markers of this evaluation), then the run index,
// baselines and counts (which read the finals of this evaluation).
func buildRunRecordingRules() []RecordingRule {
	var live, finals, derived []RecordingRule
	for _, l := range liveRules {
		live = append(live, RecordingRule{Record: l.series, Query: l.query})
		if l.series == LoadCPUSeries {
			continue
		}
		finals = append(finals, RecordingRule{Record: FinalOf(l.series), Query: finalQuery(l)})
		if l.regression {
			derived = append(derived,
				RecordingRule{Record: BaselineOf(l.series), Query: baselineQuery(l)},
				RecordingRule{Record: SpreadOf(l.series), Query: spreadQuery(l)},
				RecordingRule{Record: RunsOf(l.series), Query: runsQuery(l)})
		}
	}
	derived = append([]RecordingRule{{Record: RunEndSeries, Query: RuleRunEnd}}, derived...)
	return append(append(live, finals...), derived...)
}

// RuleGroups is the content of prometheus/rules/ssebench.yml.
func RuleGroups() []RuleGroup {
	return []RuleGroup{
		{Name: "ssebench-runs", Recording: runRecordingRules},
		{Name: "ssebench-regressions", Alerts: regressionAlerts},
		{Name: "ssebench-streaming", Alerts: streamingAlerts},
		{Name: "ssebench-targets", Alerts: targetAlerts},
	}
}
