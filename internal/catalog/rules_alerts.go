package catalog

import (
	"fmt"
	"strings"
)

// Alerting rules. Each run-level alert judges the latest final of a (server, scenario),
// held for HoldWindow, so it fires when the run ends and resolves when a later run is back
// to normal; each carries the latest run's testid for the Run dashboard link.

func heldFinal(live string) string {
	return fmt.Sprintf("last_over_time(%s[%s])", FinalOf(live), HoldWindow)
}

// withLatestTestID adds the testid of the latest run of the same (server, scenario).
func withLatestTestID(expr string) string {
	return fmt.Sprintf(`(%s) * on (server, scenario) group_left (testid) (topk by (server, scenario) (1, last_over_time(%s[%s])) * 0 + 1)`,
		expr, RunEndSeries, HoldWindow)
}

// regression compares the latest final with factor × the baseline median it was recorded
// with, and with the median moved by SpreadSigmas robust deviations of the earlier runs:
// both must be crossed, so a noisy server needs a larger drop than a steady one.
func regression(live, cmp string, factor float64, extra string) string {
	held := heldFinal(live)
	sign := "+"
	if cmp == "<" {
		sign = "-"
	}
	expr := fmt.Sprintf(`%s %s %g * last_over_time(%s[%s]) and on (server, scenario) last_over_time(%s[%s]) >= %d
		and on (server, scenario) %s %s (last_over_time(%s[%s]) %s %g * last_over_time(%s[%s]))`,
		held, cmp, factor, BaselineOf(live), HoldWindow, RunsOf(live), HoldWindow, Thresholds.MinEarlierRuns,
		held, cmp, BaselineOf(live), HoldWindow, sign, Thresholds.SpreadSigmas, SpreadOf(live), HoldWindow)
	if extra != "" {
		expr += " and on (server, scenario) " + extra
	}
	return withLatestTestID(expr)
}

// heldBaseline is what annotations quote as the baseline.
func heldBaseline(name, live string, unit Unit) Query {
	return define(Query{Name: "alerts." + name + ".baseline", Title: "Baseline of " + name, Unit: unit,
		Expr: fmt.Sprintf(`last_over_time(%s[%s])`, BaselineOf(live), HoldWindow),
		Help: "The baseline median recorded with the latest run, as alert annotations quote it."})
}

// lookup renders a template fragment printing q's value for the alert's server and scenario.
func lookup(q Query, format string) string {
	return fmt.Sprintf(`{{ range query %q }}{{ if and (eq .Labels.server $labels.server) (eq .Labels.scenario $labels.scenario) }}{{ .Value | %s }}{{ end }}{{ end }}`,
		q.Expr, format)
}

// runDashboardPath opens the Run dashboard on the alert's run and server.
const runDashboardPath = `/d/ssebench-run?var-testid={{ $labels.testid }}&var-server={{ $labels.server }}`

const (
	fmtReqPerSec = `printf "%.1f req/s"`
	fmtDuration  = `humanizeDuration`
	fmtCores     = `humanizePercentage`
	fmtBytes     = `humanize1024`
	runSubject   = `{{ $labels.server }} ({{ $labels.scenario }}, run {{ $labels.testid }})`
)

func pct(f float64) string { return fmt.Sprintf("%.0f %%", f*100) }

var (
	baseThroughput = heldBaseline("throughput_regression", TrendThroughputSeries, UnitReqPerSec)
	baseLatency    = heldBaseline("latency_regression", TrendLatencyP95Series, UnitSeconds)
	baseCPU        = heldBaseline("cpu_regression", TrendCPUSeries, UnitRatio)
	baseMemory     = heldBaseline("memory_regression", TrendMemoryPeakSeries, UnitBytes)
	heldGapStall   = define(Query{Name: "alerts.nagle_stall.stalled_share", Title: "Stalled gaps of the latest run", Unit: UnitRatio,
		Expr: heldFinal(RunGapStallShareSeries), Help: "The latest run's share of gaps over the stall floor, as the NagleStall annotation quotes it."})
	heldGapP50 = define(Query{Name: "alerts.nagle_stall.median_gap", Title: "Median gap of the latest run", Unit: UnitSeconds,
		Expr: heldFinal(RunGapP50Series), Help: "The latest run's median gap between events, as the NagleStall annotation quotes it."})
)

func regressionAlert(name, title, live string, cmp string, factor float64, extra string, base Query, format, what, limit string) AlertingRule {
	return AlertingRule{
		Alert: name,
		Query: define(Query{Name: "alerts." + strings.ToLower(title), Title: name, Unit: base.Unit,
			Expr: regression(live, cmp, factor, extra),
			Help: fmt.Sprintf("The latest run's %s against the median of at least %d earlier runs of the last %s, beyond both a fixed share and %g robust deviations of those runs.", what, Thresholds.MinEarlierRuns, BaselineWindow, Thresholds.SpreadSigmas)}),
		Severity: "warning",
		Summary:  fmt.Sprintf("%s of %s regressed", what, runSubject),
		Description: fmt.Sprintf(`%s of {{ $labels.server }} under {{ $labels.scenario }} was {{ $value | %s }} in run {{ $labels.testid }}, %s the median %s of the earlier runs of the last %s.`,
			what, format, limit, lookup(base, format), BaselineWindow),
		DashboardPath: runDashboardPath,
	}
}

var regressionAlerts = []AlertingRule{
	regressionAlert("ThroughputRegression", "throughput_regression", TrendThroughputSeries, "<", Thresholds.ThroughputBelow, "",
		baseThroughput, fmtReqPerSec, "Throughput", "below "+pct(Thresholds.ThroughputBelow)+" of"),
	regressionAlert("LatencyRegression", "latency_regression", TrendLatencyP95Series, ">", Thresholds.LatencyAbove, "",
		baseLatency, fmtDuration, "p95 latency", "above "+pct(Thresholds.LatencyAbove)+" of"),
	regressionAlert("CPURegression", "cpu_regression", TrendCPUSeries, ">", Thresholds.CPUAbove, "",
		baseCPU, fmtCores, "CPU (of one core)", "above "+pct(Thresholds.CPUAbove)+" of"),
	regressionAlert("MemoryRegression", "memory_regression", TrendMemoryPeakSeries, ">", Thresholds.MemoryAbove,
		fmt.Sprintf(`%s - last_over_time(%s[%s]) > %g`, heldFinal(TrendMemoryPeakSeries), BaselineOf(TrendMemoryPeakSeries), HoldWindow, Thresholds.MemoryMinIncreaseBytes),
		baseMemory, fmtBytes, "Peak RSS", fmt.Sprintf("above %s of (and %s more than)", pct(Thresholds.MemoryAbove), humanBytes(Thresholds.MemoryMinIncreaseBytes))),
}

func humanBytes(b float64) string { return fmt.Sprintf("%.0f MiB", b/(1<<20)) }

func streamingAlert(name, expr, severity, summary, description string) AlertingRule {
	return AlertingRule{
		Alert: name,
		Query: define(Query{Name: "alerts." + strings.ToLower(name), Title: name, Unit: UnitRatio,
			Expr: withLatestTestID(expr), Help: summary}),
		Severity: severity, Summary: summary + ": " + runSubject, Description: description, DashboardPath: runDashboardPath,
	}
}

var streamingAlerts = []AlertingRule{
	streamingAlert("StreamFailures", heldFinal(RunFailedSeries)+" > 0", "critical",
		"Streams failed",
		`{{ $value | humanizePercentage }} of the iterations against {{ $labels.server }} under {{ $labels.scenario }} failed in run {{ $labels.testid }} (transport error, status other than 200, or no [DONE]).`),
	streamingAlert("StreamBuffered", fmt.Sprintf("%s > %g", heldFinal(RunFirstTokenShareSeries), Thresholds.FirstTokenShare), "warning",
		"Proxy buffers the stream",
		fmt.Sprintf(`The median time to first token was {{ $value | humanizePercentage }} of the median stream duration through {{ $labels.server }} under {{ $labels.scenario }} in run {{ $labels.testid }} (limit %s): the first token arrives with the last.`,
			pct(Thresholds.FirstTokenShare))),
	streamingAlert("NagleStall", fmt.Sprintf("%s > %g * %s and %s > %g and %s > %g",
		heldFinal(RunGapP99Series), Thresholds.GapP99OverP50, heldFinal(RunGapP50Series), heldFinal(RunGapP99Series), Thresholds.GapP99FloorSeconds,
		heldFinal(RunGapStallShareSeries), Thresholds.GapStallShare), "warning",
		"Gaps between events stall",
		fmt.Sprintf(`The p99 gap between events through {{ $labels.server }} under {{ $labels.scenario }} was {{ $value | humanizeDuration }} in run {{ $labels.testid }}, over %g times the median gap %s (the upstream's pace), with %s of the gaps over %s: small writes wait for ACKs (Nagle's algorithm with delayed ACK).`,
			Thresholds.GapP99OverP50, lookup(heldGapP50, fmtDuration), lookup(heldGapStall, fmtCores), fmt.Sprintf("%.0f ms", Thresholds.GapP99FloorSeconds*1000))),
}

var targetAlerts = []AlertingRule{{
	Alert: "ExporterTargetDown",
	Query: define(Query{Name: "alerts.exporter_target_down", Title: "ExporterTargetDown", Unit: UnitCount,
		Expr: `up{job="exporter"} == 0`, Help: "The process exporter is not answering scrapes: CPU and memory of the servers are not measured."}),
	For: Thresholds.ExporterDownFor, Severity: "warning",
	Summary:       "Exporter {{ $labels.instance }} is down",
	Description:   "Prometheus cannot scrape the ssebench exporter at {{ $labels.instance }}: the CPU, memory and stream-probe columns of runs are missing until it is back.",
	DashboardPath: "/d/ssebench-run",
}}
