package catalog

import (
	"fmt"
	"strings"

	"github.com/ssebench/ssebench/internal/metricname"
)

// Run values: each figure of a load run is written once, here, as PromQL over a pick that
// says which sample of each load-generator series it reads. The results table picks a
// finished run's last sample within $__range (scope.resultsPick); the recording rules pick
// the live sample while the run pushes (livePick) and the last sample at its end
// (finalPick). So a rule's final equals the table's cell by construction: the two differ
// only in the pick.

// A pick selects one load-generator series, with extra label matchers.
type pick func(metric string, matchers ...string) string

// A runValue is a figure with one value per (testid, server, scenario): one per load run.
type runValue func(p pick) string

// perRun are the labels that tell load runs apart; the load generator's instances of a
// split run (load_instance) are summed within them.
const perRun = "testid, server, scenario"

func byRun(agg, expr string) string { return fmt.Sprintf("%s by (%s) (%s)", agg, perRun, expr) }

func selector(metric string, matchers []string) string {
	if len(matchers) == 0 {
		return metric
	}
	return metric + "{" + strings.Join(matchers, ", ") + "}"
}

// livePick reads every run's series as they are now: run-so-far values while it pushes.
func livePick(metric string, matchers ...string) string { return selector(metric, matchers) }

// finalPick reads a series' last sample even after its stale marker: the load generator's
// final push carries the run's last values together with the stale markers, so no live
// evaluation sees them; range selectors skip stale markers.
func finalPick(metric string, matchers ...string) string {
	return fmt.Sprintf("last_over_time(%s[%s])", selector(metric, matchers), endWindow)
}

// resultsPick reads the scope's runs' last samples within $__range: their values at the
// end of each run, which the results are computed over.
func (s scope) resultsPick(metric string, matchers ...string) string {
	return fmt.Sprintf("last_over_time(%s[$__range])", s.load(metric, matchers...))
}

// quantileOf is a run's q-quantile of a native histogram the load generator keeps
// cumulative from the run's start.
func quantileOf(q float64, metric string) runValue {
	return func(p pick) string { return fmt.Sprintf("histogram_quantile(%g, %s)", q, byRun("sum", p(metric))) }
}

// throughputOf is requests over the run's elapsed seconds. k6 sends no elapsed gauge: its
// runs fall back to k6Rate, which the caller writes for its pick (a finished run knows its
// length, a live one does not).
func throughputOf(k6Rate runValue) runValue {
	return func(p pick) string {
		return fmt.Sprintf(`%s / on (%s) (%s > 0) or %s`,
			byRun("sum", p(metricname.K6HTTPReqs)), perRun, byRun("max", p(metricname.LoadElapsed)), k6Rate(p))
	}
}

// k6Seconds is the length of each k6 run among vus: k6 sends no elapsed gauge, but pushes
// k6_vus once a second while it runs.
func k6Seconds(vus string) string {
	return byRun("max", fmt.Sprintf("count_over_time(%s[$__range])", vus))
}

// failedRatio counts an iteration as failed on a transport error or any failed check; for
// k6, which has no such counter, it falls back to the share of streams without [DONE].
var failedRatio runValue = func(p pick) string {
	return fmt.Sprintf(`%s / on (%s) (%s > 0) or (1 - %s)`,
		byRun("sum", p(metricname.IterationsFailed)), perRun, byRun("sum", p(metricname.K6Iterations)),
		byRun("min", p(metricname.K6Checks, fmt.Sprintf(`check="%s"`, CheckDone))))
}

// goodputRatio is the share of a run's streams that met the per-stream SLO, judged by the
// load generator stream by stream.
var goodputRatio runValue = func(p pick) string {
	return fmt.Sprintf(`%s / on (%s) (%s > 0)`,
		byRun("sum", p(metricname.GoodputStreams)), perRun, byRun("sum", p(metricname.K6Iterations)))
}

// durationMean is exact: the histogram's sum over its count.
var durationMean runValue = func(p pick) string {
	return fmt.Sprintf(`%s / on (%s) %s`, byRun("sum", "histogram_sum("+p(metricname.K6HTTPReqDuration)+")"), perRun,
		byRun("sum", "histogram_count("+p(metricname.K6HTTPReqDuration)+")"))
}

// durationMax is exact for ssebench load; for k6, which sends no maximum, it falls back to
// the upper bound of the highest histogram bucket.
var durationMax runValue = func(p pick) string {
	return fmt.Sprintf(`%s or %s`, byRun("max", p(metricname.HTTPReqDurationMax)), quantileOf(1, metricname.K6HTTPReqDuration)(p))
}

// firstTokenShare is the median time to first token over the median stream duration:
// near 1 when the proxy buffers the stream.
var firstTokenShare runValue = func(p pick) string {
	return fmt.Sprintf(`%s / on (%s) %s`, quantileOf(0.5, metricname.TimeToFirstToken)(p), perRun, quantileOf(0.5, metricname.K6HTTPReqDuration)(p))
}

// gapStallShare is the share of gaps between events longer than the stall floor.
var gapStallShare runValue = func(p pick) string {
	return fmt.Sprintf("histogram_fraction(%g, +Inf, %s)", Thresholds.GapP99FloorSeconds, byRun("sum", p(metricname.EventGap)))
}

// Per-server figures of the exporter, which knows processes, not runs: scope.duringLoad
// attributes them to the scenario that was loading the server.
func serverCPU(s scope) string {
	return fmt.Sprintf(`sum by (server) (irate(%s[5s]))`, s.process(metricname.ProcessCPU))
}

func serverPeakRSS(s scope) string {
	return fmt.Sprintf(`max by (server) (%s)`, s.process(metricname.ProcessRSSPeak))
}

// cell is a run value as a results-table cell: one value per (server, scenario) of the
// scope's run, or per trial with the trials scope.
func (s scope) cell(v runValue) string {
	return fmt.Sprintf("max by (%s) (%s)", s.by(), v(s.resultsPick))
}
