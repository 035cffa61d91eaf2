package compare

import (
	"math"
	"math/rand/v2"
	"sort"
)

// bootstrapRelative returns the (1-alpha) percentile interval of median(b)/median(a) - 1,
// resampling each group with replacement. The median, not the mean: a push delayed on a
// loaded machine puts two seconds of requests into one sample and none into the next,
// and a mean of a dozen samples follows such pairs. ok is false when either group has
// fewer than two samples or a zero median, where no interval can be given.
func bootstrapRelative(a, b []float64, resamples int, alpha float64, rng *rand.Rand) (lo, hi float64, ok bool) {
	if len(a) < 2 || len(b) < 2 || median(a) == 0 {
		return math.NaN(), math.NaN(), false
	}
	stats := make([]float64, 0, resamples)
	bufA, bufB := make([]float64, len(a)), make([]float64, len(b))
	for range resamples {
		ma := resampledMedian(a, bufA, rng)
		if ma == 0 {
			continue
		}
		stats = append(stats, resampledMedian(b, bufB, rng)/ma-1)
	}
	if len(stats) < resamples/2 {
		return math.NaN(), math.NaN(), false
	}
	sort.Float64s(stats)
	return quantile(stats, alpha/2), quantile(stats, 1-alpha/2), true
}

func resampledMedian(xs, buf []float64, rng *rand.Rand) float64 {
	for i := range buf {
		buf[i] = xs[rng.IntN(len(xs))]
	}
	sort.Float64s(buf)
	return quantile(buf, 0.5)
}

// quantile of sorted xs with linear interpolation.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// median of unsorted xs; NaN for none.
func median(xs []float64) float64 {
	var vals []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			vals = append(vals, x)
		}
	}
	if len(vals) == 0 {
		return math.NaN()
	}
	sort.Float64s(vals)
	return quantile(vals, 0.5)
}
