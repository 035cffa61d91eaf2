package catalog

import (
	"fmt"
	"strings"

	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/stats"
)

// Across trials: `ssebench run --trials N` pushes each trial under its own testid,
// <run id>-t1 … -tN (internal/run.TrialTestID); a single-trial run keeps its plain id.
// The queries here give, per (server, scenario), the mean over the trials of a results-table
// column and the half width of its 95 % Student's t interval, as docs/trials.md and the
// terminal table (internal/stats.OverTrials) compute them:
//
//	mean ± t(0.975, N−1) · s / √N,  s the sample standard deviation.
//
// PromQL's stddev is the population standard deviation σ = s·√((N−1)/N), so the half width
// is t · σ / √(N−1). PromQL has no t quantile: t is an `or` chain over N, its values taken
// from internal/stats. With one trial the half width is NaN (no run-to-run spread to show).

// TrialSuffixPattern is the regex of a trial's suffix to its run id, "-t<n>"
// (internal/run builds testids with it and TestIDPattern matches them with it).
const TrialSuffixPattern = "-t[0-9]+"

// trialSuffix follows $run in a testid matcher: the plain id or any of its trials.
const trialSuffix = "(" + TrialSuffixPattern + ")?"

// RunOfTestIDRegex is the Grafana variable regex that strips a testid of its trial suffix:
// the run variable's value is its capture group (JavaScript regex syntax).
const RunOfTestIDRegex = "/^(.+?)(?:" + TrialSuffixPattern + ")?$/"

// VarRunOfTestID is the source of the run variable: the testid's own load series, whose
// testid label the variable's regex (RunOfTestIDRegex) cuts down to the run id.
var VarRunOfTestID = define(Query{Name: "vars.run", Title: "Run of the testid", Unit: UnitCount,
	Expr: metricname.K6HTTPReqs + `{testid="$testid"}`,
	Help: "The run a testid belongs to: its testid without the -tN trial suffix. A single-trial run is its own run."})

// trialRuns is every trial of the run $run, each trial kept apart.
var trialRuns = scope{serverVar: "$server", trials: true}

// TTableMaxTrials is the largest trial count the t chain names; beyond it the chain uses
// t(0.975, TTableMaxTrials−1), which is larger than the exact value: a slightly wider interval.
const TTableMaxTrials = 10

// tOfCount is t(0.975, n−1) for each value n of the trial-count vector count: NaN for one
// trial, the table of internal/stats for 2 … TTableMaxTrials, the last of them beyond.
func tOfCount(count string) string { return tChain(count, TTableMaxTrials) }

// tChain is tOfCount with the chain named up to maxN values.
func tChain(count string, maxN int) string {
	terms := []string{fmt.Sprintf("(%s == 1) * 0 + NaN", count)}
	for n := 2; n <= maxN; n++ {
		terms = append(terms, fmt.Sprintf("(%s == %d) * 0 + %g", count, n, stats.TQuantile(float64(n-1))))
	}
	terms = append(terms, fmt.Sprintf("(%s > %d) * 0 + %g", count, maxN, stats.TQuantile(float64(maxN-1))))
	return "(" + strings.Join(terms, " or ") + ")"
}

const acrossTrials = "server, scenario"

func trialCount(perTrial string) string {
	return fmt.Sprintf("count by (%s) (%s)", acrossTrials, perTrial)
}

func trialMean(perTrial string) string {
	return fmt.Sprintf("avg by (%s) (%s)", acrossTrials, perTrial)
}

// trialHalfWidth is t(0.975, N−1) · σ / √(N−1), which equals t · s / √N.
func trialHalfWidth(perTrial string) string {
	n := trialCount(perTrial)
	return fmt.Sprintf("%s * stddev by (%s) (%s) / sqrt(%s - 1)", tOfCount(n), acrossTrials, perTrial, n)
}

// A trialColumn is a results-table column with an across-trials mean and interval (a
// Column with trials set) and the builder that defines it: the column's own expression is
// build(allScenarios); across trials it is build(trialRuns).
type trialColumn struct {
	results Query
	build   func(scope) string
}

var trialColumns = func() []trialColumn {
	var out []trialColumn
	for _, c := range Columns {
		if c.trials != nil {
			out = append(out, trialColumn{c.Query, c.trials})
		}
	}
	return out
}()

const trialsRangeHelp = " The time range must cover every trial of the run."

func defineTrialColumns() (columns []Query, means, halves map[string]Query) {
	means, halves = map[string]Query{}, map[string]Query{}
	for _, c := range trialColumns {
		key := strings.TrimPrefix(c.results.Name, "results.")
		perTrial := c.build(trialRuns)
		mean := define(Query{Name: "trials." + key + ".mean", Title: c.results.Title + " mean", Unit: c.results.Unit, Better: c.results.Better,
			Expr: trialMean(perTrial),
			Help: "Mean over the run's trials of " + c.results.Name + " (" + c.results.Title + "), each trial's value computed as in the results table." + trialsRangeHelp})
		half := define(Query{Name: "trials." + key + ".ci95", Title: c.results.Title + " ±95 %", Unit: c.results.Unit,
			Expr: trialHalfWidth(perTrial),
			Help: "Half width of the 95 % Student's t interval of the mean (t(0.975, N−1) · s/√N); empty (NaN) for a single trial, which has no run-to-run spread." + trialsRangeHelp})
		columns = append(columns, mean, half)
		means[c.results.Name], halves[c.results.Name] = mean, half
	}
	return columns, means, halves
}

// TrialsN is how many trials of the run have a req/s value for each (server, scenario).
var TrialsN = define(Query{Name: "trials.n", Title: "N", Unit: UnitCount,
	Expr: trialCount(reqPerSecond(trialRuns)),
	Help: "Trials behind each row (testids <run>-t1 … -tN; 1 for a single-trial run)." + trialsRangeHelp})

var trialsColumns, trialMeans, trialHalves = defineTrialColumns()

// TrialsColumns is the Run dashboard's "Across trials" table: for req/s, p95 ms and CPU %,
// the mean over trials and its 95 % half width, then N.
var TrialsColumns = append(append([]Query{}, trialsColumns...), TrialsN)

// TrialMean and TrialHalfWidth are the across-trials queries of a results-table column
// (ResultsReqPerSecond, ResultsP95Ms or ResultsCPUPercent); ok is false for another column.
func TrialMean(results Query) (Query, bool) {
	q, ok := trialMeans[results.Name]
	return q, ok
}

func TrialHalfWidth(results Query) (Query, bool) {
	q, ok := trialHalves[results.Name]
	return q, ok
}
