// Package stats says how sure a figure is: Student's t intervals over repeated trials,
// batch means within one run, Welch's interval for the difference of two sets of trials,
// and ties between intervals that overlap, as benchstat marks them with "~".
//
// Why t and not a bootstrap: a benchmark here has 3–5 trials per cell. A bootstrap of so
// few values only ever resamples those values, so its 95 % interval is too narrow; a
// distribution-free interval for a median needs at least 6 values to reach 95 % at all
// (the chance that [min, max] holds the median is 1 − 2·0.5ⁿ: 75 % for 3, 94 % for 5).
// Student's t on the mean is exact for normal noise, widens honestly for small n
// (t = 4.30 for 3 trials), and its interval always contains its own point, the mean.
package stats

import (
	"math"
	"sort"
)

// Confidence of every interval.
const Confidence = 0.95

// Interval is a point estimate with its 95 % interval.
type Interval struct {
	Point  float64   `json:"point"`
	Lo     float64   `json:"lo"`
	Hi     float64   `json:"hi"`
	N      int       `json:"n"`      // trials (or batches) behind it
	Method string    `json:"method"` // MethodTrials, MethodBatches or MethodNone
	Values []float64 `json:"values,omitempty"`
}

// Methods of an Interval.
const (
	MethodTrials  = "t over trials"
	MethodBatches = "t over batch means within one run"
	MethodNone    = "none"
)

// Known reports whether the interval has bounds.
func (iv Interval) Known() bool {
	return !math.IsNaN(iv.Lo) && !math.IsNaN(iv.Hi) && iv.Method != MethodNone
}

// HalfWidth is the interval's half width; NaN when unknown.
func (iv Interval) HalfWidth() float64 {
	if !iv.Known() {
		return math.NaN()
	}
	return (iv.Hi - iv.Lo) / 2
}

// CV is the coefficient of variation of the values (sample sd / mean); NaN for n < 2.
func CV(values []float64) float64 {
	m, sd := MeanSD(values)
	if len(values) < 2 || m == 0 {
		return math.NaN()
	}
	return sd / math.Abs(m)
}

// MeanSD returns the mean and the sample standard deviation of values without NaN.
func MeanSD(values []float64) (mean, sd float64) {
	v := finite(values)
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

// Median of the finite values; NaN when there are none.
func Median(values []float64) float64 {
	v := finite(values)
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// OverTrials is the mean of one value per trial with Student's t interval. One trial gives
// the value with unknown bounds: there is no run-to-run spread to show.
func OverTrials(values []float64) Interval {
	v := finite(values)
	mean, sd := MeanSD(v)
	iv := Interval{Point: mean, Lo: math.NaN(), Hi: math.NaN(), N: len(v), Method: MethodNone, Values: v}
	if len(v) < 2 {
		return iv
	}
	h := TQuantile(float64(len(v)-1)) * sd / math.Sqrt(float64(len(v)))
	iv.Lo, iv.Hi, iv.Method = mean-h, mean+h, MethodTrials
	return iv
}

// batches is how many consecutive batches one run's per-second samples are cut into.
const batches = 5

// WithinRun gives point (the run's own figure) an interval from its per-second samples by
// the method of batch means: consecutive seconds are correlated, so the samples are cut
// into 5 batches whose means are nearly independent, and t with 4 degrees of freedom is
// applied to them. The interval is centred on point, so it always contains it. It shows
// the noise inside one run only, never the run-to-run drift; outputs say so.
func WithinRun(point float64, perSecond []float64) Interval {
	v := finite(perSecond)
	iv := Interval{Point: point, Lo: math.NaN(), Hi: math.NaN(), N: 1, Method: MethodNone}
	if math.IsNaN(point) || len(v) < 2*batches {
		return iv
	}
	means := make([]float64, batches)
	for b := 0; b < batches; b++ {
		lo, hi := b*len(v)/batches, (b+1)*len(v)/batches
		for _, x := range v[lo:hi] {
			means[b] += x
		}
		means[b] /= float64(hi - lo)
	}
	_, sd := MeanSD(means)
	h := TQuantile(batches-1) * sd / math.Sqrt(batches)
	iv.Lo, iv.Hi, iv.Method = point-h, point+h, MethodBatches
	return iv
}

// Overlap reports whether two known intervals share any value: such figures are a tie.
func Overlap(a, b Interval) bool {
	if !a.Known() || !b.Known() {
		return false
	}
	return a.Lo <= b.Hi && b.Lo <= a.Hi
}

func finite(values []float64) []float64 {
	out := make([]float64, 0, len(values))
	for _, x := range values {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// Ties marks, for intervals in ranked order, which are tied: an interval overlapping that of
// the first of its group shares its rank (benchstat's "~"); one that does not starts a new
// group. Comparing with the group's first, not the one just above, keeps a chain of small
// overlaps from tying the last with the first.
func Ties(ranked []Interval) []bool {
	tied := make([]bool, len(ranked))
	leader := 0
	for i := 1; i < len(ranked); i++ {
		tied[i] = Overlap(ranked[leader], ranked[i])
		if !tied[i] {
			leader = i
		}
	}
	return tied
}
