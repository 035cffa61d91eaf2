package duet

import (
	"math"
	"sort"

	"github.com/ssebench/ssebench/internal/stats"
)

// MethodPairedRounds names the interval of a ratio: Student's t over the rounds' paired log
// ratios, back-transformed. A log ratio is symmetric (×2 and ×½ weigh alike) and the mean of
// logs is the geometric mean of the per-round ratios, which one slow round cannot dominate.
const MethodPairedRounds = "t over paired rounds (log ratio)"

// MethodPairedDiffs names the interval of an added latency: t over the rounds' differences
// from direct in the same round.
const MethodPairedDiffs = "t over paired rounds (difference)"

// MinRounds is the fewest counted rounds a verdict is judged on: t with one degree of
// freedom (12.7) makes any interval of two rounds useless.
const MinRounds = 3

// Verdict is the side-by-side result: every server's cost as a ratio to the reference
// server's in the same rounds, and its latency added over direct's in the same rounds.
type Verdict struct {
	Reference string `json:"reference"`
	AA        string `json:"aa,omitempty"`     // the reference's second instance, the A/A control
	Direct    string `json:"direct,omitempty"` // the stub alone: the zero line of added latency
	Rounds    int    `json:"rounds"`
	Rows      []Row  `json:"rows"` // cheapest first by CPU ratio; direct is not a row
	// Biased is set when the A/A row's CPU interval excludes 1: two instances of one server
	// differ, so position or phase leaks into the figures and every ratio is suspect.
	Biased bool `json:"biased"`
}

// Row is one server's verdict.
type Row struct {
	Server    string         `json:"server"`
	Reference bool           `json:"reference,omitempty"`
	AA        bool           `json:"aa,omitempty"`
	Rounds    int            `json:"rounds"`    // rounds that counted for it and the reference
	Saturated int            `json:"saturated"` // rounds of its own it saturated in
	Rank      int            `json:"rank"`
	Tied      bool           `json:"tied"`      // shares its rank: its interval to the group's first includes 1
	CPU       stats.Interval `json:"cpu_ratio"` // CPU per stream ÷ the reference's, same rounds
	CPUMicros stats.Interval `json:"cpu_us_per_stream"`
	Memory    stats.Interval `json:"memory_ratio"` // peak RSS ÷ the reference's
	MemoryMiB stats.Interval `json:"peak_rss_mib"`
	Added     Added          `json:"added_ms"`
}

// Added is a server's latency added over direct in the same round, ms, per figure.
type Added struct {
	TTFTp50 stats.Interval `json:"ttft_p50"`
	TTFTp99 stats.Interval `json:"ttft_p99"`
	GapP99  stats.Interval `json:"gap_p99"`
	DurP50  stats.Interval `json:"duration_p50"`
	DurP99  stats.Interval `json:"duration_p99"`
}

// Significant reports whether a ratio's interval excludes 1.
func Significant(ratio stats.Interval) bool {
	return ratio.Known() && (ratio.Lo > 1 || ratio.Hi < 1)
}

// RelHalfWidth is a ratio's half width relative to its point: 0.012 for 1.049 ±0.013.
func RelHalfWidth(ratio stats.Interval) float64 {
	if !ratio.Known() || ratio.Point == 0 {
		return math.NaN()
	}
	return ratio.HalfWidth() / ratio.Point
}

// Judge turns rounds into the verdict. servers lists every server in the duet but direct;
// reference is one of them; aa (may be "") is the reference's twin; direct (may be "") the
// zero line of added latency.
func Judge(rounds []Round, servers []string, reference, aa, direct string) Verdict {
	v := Verdict{Reference: reference, AA: aa, Direct: direct, Rounds: len(rounds)}
	for _, s := range servers {
		v.Rows = append(v.Rows, judgeRow(rounds, s, reference, aa, direct))
	}
	sort.SliceStable(v.Rows, func(i, j int) bool { return less(v.Rows[i].CPU.Point, v.Rows[j].CPU.Point) })
	rankTies(v.Rows, rounds)
	for _, r := range v.Rows {
		if r.AA && Significant(r.CPU) {
			v.Biased = true
		}
	}
	return v
}

func judgeRow(rounds []Round, server, reference, aa, direct string) Row {
	row := Row{Server: server, Reference: server == reference, AA: server != "" && server == aa}
	for _, r := range rounds {
		if s, ok := r.Samples[server]; ok && s.Saturated != "" {
			row.Saturated++
		}
	}
	both := paired(rounds, server, reference)
	row.Rounds = len(both)
	row.CPU = logRatio(both, server, reference, Sample.CPUPerStream)
	row.Memory = logRatio(both, server, reference, Sample.PeakRSSMiB)
	row.CPUMicros = stats.OverTrials(values(both, server, Sample.CPUPerStream))
	row.MemoryMiB = stats.OverTrials(values(both, server, Sample.PeakRSSMiB))
	if direct != "" {
		withDirect := paired(rounds, server, direct)
		row.Added = Added{
			TTFTp50: diff(withDirect, server, direct, func(s Sample) float64 { return s.TTFTp50 }),
			TTFTp99: diff(withDirect, server, direct, func(s Sample) float64 { return s.TTFTp99 }),
			GapP99:  diff(withDirect, server, direct, func(s Sample) float64 { return s.GapP99 }),
			DurP50:  diff(withDirect, server, direct, func(s Sample) float64 { return s.DurP50 }),
			DurP99:  diff(withDirect, server, direct, func(s Sample) float64 { return s.DurP99 }),
		}
	}
	return row
}

// paired is the rounds that count for both a and b.
func paired(rounds []Round, a, b string) []Round {
	var out []Round
	for _, r := range rounds {
		if r.counts(a) && r.counts(b) {
			out = append(out, r)
		}
	}
	return out
}

func values(rounds []Round, server string, f func(Sample) float64) []float64 {
	out := make([]float64, 0, len(rounds))
	for _, r := range rounds {
		out = append(out, f(r.Samples[server]))
	}
	return out
}

// logRatio is exp of the t interval of ln(f(a)/f(b)) over the rounds.
func logRatio(rounds []Round, a, b string, f func(Sample) float64) stats.Interval {
	logs := make([]float64, 0, len(rounds))
	for _, r := range rounds {
		x, y := f(r.Samples[a]), f(r.Samples[b])
		if x > 0 && y > 0 {
			logs = append(logs, math.Log(x/y))
		}
	}
	return expInterval(stats.OverTrials(logs))
}

func expInterval(iv stats.Interval) stats.Interval {
	out := stats.Interval{Point: math.Exp(iv.Point), Lo: math.NaN(), Hi: math.NaN(), N: iv.N, Method: stats.MethodNone}
	if iv.N == 0 {
		out.Point = math.NaN()
	}
	if iv.Known() && iv.N >= MinRounds {
		out.Lo, out.Hi, out.Method = math.Exp(iv.Lo), math.Exp(iv.Hi), MethodPairedRounds
	}
	return out
}

// diff is the t interval of f(a) − f(b) over the rounds.
func diff(rounds []Round, a, b string, f func(Sample) float64) stats.Interval {
	d := make([]float64, 0, len(rounds))
	for _, r := range rounds {
		d = append(d, f(r.Samples[a])-f(r.Samples[b]))
	}
	iv := stats.OverTrials(d)
	iv.Values = nil
	if iv.Known() {
		iv.Method = MethodPairedDiffs
	}
	return iv
}

// rankTies ranks rows already sorted by CPU ratio. A row whose paired ratio to the first
// row of its group has an interval including 1 shares that row's rank (benchstat's "~");
// comparing with the group's first keeps a chain of small steps from tying the last with
// the first. Pairs are judged on their own rounds, not on the two ratios to the reference:
// that is what makes a 2 % step visible.
func rankTies(rows []Row, rounds []Round) {
	leader := 0
	for i := range rows {
		if i > 0 {
			pair := logRatio(paired(rounds, rows[i].Server, rows[leader].Server), rows[i].Server, rows[leader].Server, Sample.CPUPerStream)
			rows[i].Tied = !Significant(pair)
		}
		if !rows[i].Tied {
			leader = i
		}
		rows[i].Rank = leader + 1
	}
}

// Pair is the paired CPU ratio of a to b over their common rounds.
func Pair(rounds []Round, a, b string) stats.Interval {
	return logRatio(paired(rounds, a, b), a, b, Sample.CPUPerStream)
}

// Precision is the widest relative half width among the CPU ratios (the reference's own,
// exactly 1, aside) and whose it is: the adaptive length stops once it is small enough.
// A row without an interval yet counts as infinitely wide.
func (v Verdict) Precision() (worst float64, server string) {
	for _, r := range v.Rows {
		if r.Reference {
			continue
		}
		w := RelHalfWidth(r.CPU)
		if math.IsNaN(w) {
			w = math.Inf(1)
		}
		if w > worst || server == "" {
			worst, server = w, r.Server
		}
	}
	return worst, server
}

// PreciseEnough is the adaptive length's rule: at least minRounds rounds, and every CPU
// ratio within precision (relative half width). Stopping the moment an interval looks narrow
// favours intervals that are narrow by chance; the floor of rounds keeps that small
// (TestAdaptiveStoppingKeepsTheAAHonest).
func (v Verdict) PreciseEnough(precision float64, minRounds int) bool {
	worst, _ := v.Precision()
	return v.Rounds >= minRounds && worst <= precision
}

// Row returns the row of server, if any.
func (v Verdict) Row(server string) (Row, bool) {
	for _, r := range v.Rows {
		if r.Server == server {
			return r, true
		}
	}
	return Row{}, false
}

// less orders NaN last.
func less(a, b float64) bool {
	if math.IsNaN(b) {
		return !math.IsNaN(a)
	}
	return a < b
}
