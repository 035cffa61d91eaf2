package catalog

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/metricname"
)

// Finding a run: the Trends dashboard's "Runs" table lists every testid of its time range
// with the window of its whole run (every trial), so that a click opens the Run dashboard
// on exactly that window. Ends come from the run-end recording series (RunEndSeries: one
// sample per load run at its end, labelled testid, server, scenario); each load run's
// length is the load generator's elapsed-time gauge, or for k6, which has none, its count
// of one-second pushes (the denominator of results.req_per_second).

// RunWindowSlack widens a run's window on both sides: the run-end series is recorded up to
// one rule evaluation (1 s) after the end, and the first push lands a moment after the start.
const RunWindowSlack = 5

// loadRunEnd is each load run's end time (s) within $__range.
var loadRunEnd = fmt.Sprintf(`last_over_time(%s[$__range])`, RunEndSeries)

// loadRunStart is each load run's start time (s): its end minus its length.
var loadRunStart = fmt.Sprintf(`%s - on (%s) (%s or %s)`, loadRunEnd, perRun,
	byRun("max", fmt.Sprintf("max_over_time(%s[$__range])", metricname.LoadElapsed)), k6Seconds(metricname.K6VUs))

// ofRun labels a per-testid vector with its run id (the testid without its -tN suffix).
func ofRun(perTestID string) string {
	return fmt.Sprintf(`label_replace(%s, "run", "$1", "testid", "(.+?)(%s)?")`, perTestID, TrialSuffixPattern)
}

// overRun gives each testid the aggregate (min or max) of agg over every testid of its run.
func overRun(agg, perTestID string) string {
	return fmt.Sprintf(`max by (testid) (%s * 0 + on (run) group_left () %s by (run) (%s))`, ofRun(perTestID), agg, ofRun(perTestID))
}

var (
	RunsFromMs = define(Query{Name: "runs.from_ms", Title: "from", Unit: UnitCount,
		Expr: fmt.Sprintf(`1000 * (%s - %d)`, overRun("min", fmt.Sprintf("min by (testid) (%s)", loadRunStart)), RunWindowSlack),
		Help: "Start of the run each testid belongs to (its first trial), in ms since the epoch, less a few seconds: the Run dashboard's from."})
	RunsToMs = define(Query{Name: "runs.to_ms", Title: "to", Unit: UnitCount,
		Expr: fmt.Sprintf(`1000 * (%s + %d)`, overRun("max", fmt.Sprintf("max by (testid) (%s)", loadRunEnd)), RunWindowSlack),
		Help: "End of the run each testid belongs to (its last trial), in ms since the epoch, plus a few seconds: the Run dashboard's to."})
)

// RunsColumns is the Runs table: per testid, its run's window.
var RunsColumns = []Query{RunsFromMs, RunsToMs}

// VarExporterServers is the source of the Servers dashboard's server variable: every
// process the exporter watches (the servers and the direct reference's stub).
var VarExporterServers = define(Query{Name: "vars.exporter_servers", Title: "Servers the exporter watches", Unit: UnitCount,
	Expr: metricname.ProcessUp,
	Help: "The exporter publishes ssebench_process_up for every process it watches: the source of the Servers dashboard's server variable."})
