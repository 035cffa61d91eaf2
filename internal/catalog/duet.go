package catalog

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/metricname"
)

// Side by side (`ssebench run --scenarios duet`): every server loaded at once in rounds, each
// judged by its ratio to a reference server in the same round (internal/duet). The runner
// pushes one sample per (testid, server, round) of each figure below, for the rounds that
// count for that server (not saturated), under the testid <run>-duet; the role label says
// which row is the reference. A ratio is then the mean over rounds of the paired log ratio,
// back-transformed, with Student's t interval over the rounds — what internal/duet.Judge
// computes in-process, so that `report` and `compare` can redraw it from stored data.

// Labels of the side-by-side rounds' series (metricname.DuetCPUPerStream, DuetPeakRSS).
const (
	// DuetRoleLabel is "reference" on the reference server's series, "aa" on its twin's and
	// "server" on the others'.
	DuetRoleLabel  = "role"
	DuetRoundLabel = "round"
)

// Roles of DuetRoleLabel.
const (
	DuetRoleReference = "reference"
	DuetRoleAA        = "aa"
	DuetRoleServer    = "server"
)

// duetTMax is how many rounds the t chain names; beyond, t(0.975, 29), slightly wide.
const duetTMax = 30

// duetLogRatio is each round's ln(figure ÷ the reference's figure in the same round); a
// round the reference did not count drops out of the division, as it does in-process.
func duetLogRatio(metric string) string {
	return fmt.Sprintf(`ln(
  last_over_time(%[1]s{testid="$testid"}[$__range])
  / ignoring (server, %[2]s) group_left
  last_over_time(%[1]s{testid="$testid", %[2]s="%[3]s"}[$__range])
)`, metric, DuetRoleLabel, DuetRoleReference)
}

func duetMean(logRatio string) string { return fmt.Sprintf("avg by (server) (%s)", logRatio) }

func duetCount(logRatio string) string { return fmt.Sprintf("count by (server) (%s)", logRatio) }

// duetHalfWidth is t(0.975, N−1) · σ / √(N−1) of the log ratios (σ PromQL's population sd).
func duetHalfWidth(logRatio string) string {
	n := duetCount(logRatio)
	return fmt.Sprintf("%s * stddev by (server) (%s) / sqrt(%s - 1)", tChain(n, duetTMax), logRatio, n)
}

func defineDuetRatio(key, title, metric, what string) (point, lo, hi Query) {
	lr := duetLogRatio(metric)
	point = define(Query{Name: "duet." + key, Title: title, Unit: UnitCount, Better: "lower", Decimals: 3,
		Expr: fmt.Sprintf("exp(%s)", duetMean(lr)),
		Help: what + " as a ratio to the reference server's in the same rounds: the geometric mean over rounds of the per-round ratio (side by side)."})
	lo = define(Query{Name: "duet." + key + "_lo", Title: title + " low", Unit: UnitCount, Decimals: 3,
		Expr: fmt.Sprintf("exp(%s - %s)", duetMean(lr), duetHalfWidth(lr)),
		Help: "Lower bound of the 95 % Student's t interval of duet." + key + " over the rounds (on the log scale, back-transformed)."})
	hi = define(Query{Name: "duet." + key + "_hi", Title: title + " high", Unit: UnitCount, Decimals: 3,
		Expr: fmt.Sprintf("exp(%s + %s)", duetMean(lr), duetHalfWidth(lr)),
		Help: "Upper bound of the 95 % Student's t interval of duet." + key + " over the rounds."})
	return point, lo, hi
}

// The side-by-side ratios and their intervals.
var (
	DuetCPURatio, DuetCPURatioLo, DuetCPURatioHi          = defineDuetRatio("cpu_ratio", "cpu ×ref", metricname.DuetCPUPerStream, "CPU per completed stream")
	DuetMemoryRatio, DuetMemoryRatioLo, DuetMemoryRatioHi = defineDuetRatio("memory_ratio", "peak RSS ×ref", metricname.DuetPeakRSS, "Peak resident memory")
)

// DuetRounds is how many rounds each server's CPU ratio rests on.
var DuetRounds = define(Query{Name: "duet.rounds", Title: "rounds", Unit: UnitCount,
	Expr: duetCount(duetLogRatio(metricname.DuetCPUPerStream)),
	Help: "Rounds behind each side-by-side ratio: those that counted for the server and the reference."})

// DuetCPUMicros is each server's CPU per stream, µs, the mean over its counted rounds.
var DuetCPUMicros = define(Query{Name: "duet.cpu_us_per_stream", Title: "cpu µs/stream", Unit: UnitCount, Better: "lower",
	Expr: fmt.Sprintf(`1e6 * avg by (server) (last_over_time(%s{testid="$testid"}[$__range]))`, metricname.DuetCPUPerStream),
	Help: "CPU per completed stream in µs, the mean over the side-by-side rounds that counted (absolute: it carries the machine's drift that the ratio removes)."})

// DuetColumns are the side-by-side table's stored figures, in the order the report reads them.
var DuetColumns = []Query{DuetCPURatio, DuetCPURatioLo, DuetCPURatioHi, DuetCPUMicros, DuetMemoryRatio, DuetMemoryRatioLo, DuetMemoryRatioHi, DuetRounds}

// DuetRoundSamples is every stored round of a side-by-side testid, one series per (server,
// round): what `compare` pairs round by round to judge a change of a server's ratio.
var DuetRoundSamples = define(Query{Name: "duet.round_samples", Title: "side-by-side rounds", Unit: UnitSeconds,
	Expr: fmt.Sprintf(`%s{testid="$testid"}[$__range]`, metricname.DuetCPUPerStream),
	Help: "Raw samples of each side-by-side round's CPU per stream, one series per server and round (a range vector: for programs, not panels)."})
