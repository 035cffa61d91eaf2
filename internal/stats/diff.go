package stats

import "math"

// Diff is the relative difference of candidate over baseline (cand/base − 1) with its 95 %
// interval, judged with the run-to-run spread of trials.
type Diff struct {
	Base        float64 `json:"baseline"`  // mean of the baseline's trials
	Cand        float64 `json:"candidate"` // mean of the candidate's trials
	Delta       float64 `json:"delta"`
	Lo          float64 `json:"lo"`
	Hi          float64 `json:"hi"`
	N           [2]int  `json:"n"` // trials (baseline, candidate)
	Method      string  `json:"method"`
	Significant bool    `json:"significant"`
}

// Methods of a Diff.
const (
	DiffWelch  = "Welch's t over trials"
	DiffPooled = "t with the spread of the side that has trials"
	DiffNone   = "none: one trial each side, no run-to-run spread"
)

// Relative compares two sets of per-trial values. Both sides with two or more trials:
// Welch's interval for the difference of means. One side with a single trial: its spread
// is taken to be the other side's (the same benchmark on the same machine). One trial
// each: the difference is printed but never called significant — there is nothing to
// judge it against. The interval is divided by the baseline mean, so it always contains
// Delta; it ignores the baseline mean's own uncertainty in the ratio, which is small next
// to the difference's for the spreads seen here.
func Relative(base, cand []float64) Diff {
	b, c := finite(base), finite(cand)
	mb, sb := MeanSD(b)
	mc, sc := MeanSD(c)
	d := Diff{Base: mb, Cand: mc, Delta: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), N: [2]int{len(b), len(c)}, Method: DiffNone}
	if len(b) == 0 || len(c) == 0 || mb == 0 {
		return d
	}
	d.Delta = mc/mb - 1
	nb, nc := float64(len(b)), float64(len(c))
	var se, df float64
	switch {
	case len(b) >= 2 && len(c) >= 2:
		vb, vc := sb*sb/nb, sc*sc/nc
		se = math.Sqrt(vb + vc)
		df = welchDF(vb, vc, nb, nc)
		d.Method = DiffWelch
	case len(b) >= 2:
		se, df = sb*math.Sqrt(1/nb+1/nc), nb-1
		d.Method = DiffPooled
	case len(c) >= 2:
		se, df = sc*math.Sqrt(1/nb+1/nc), nc-1
		d.Method = DiffPooled
	default:
		return d
	}
	h := TQuantile(df) * se / math.Abs(mb)
	d.Lo, d.Hi = d.Delta-h, d.Delta+h
	d.Significant = d.Lo > 0 || d.Hi < 0
	return d
}

func welchDF(vb, vc, nb, nc float64) float64 {
	num := (vb + vc) * (vb + vc)
	den := vb*vb/(nb-1) + vc*vc/(nc-1)
	if den == 0 {
		return nb + nc - 2
	}
	return num / den
}
