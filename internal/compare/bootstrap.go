package compare

import (
	"math"
	"math/rand/v2"
	"sort"
)

// bootstrapRelative returns the (1-alpha) percentile interval of mean(b)/mean(a) - 1,
// resampling each group with replacement. ok is false when either group has fewer than
// two samples or a zero mean, where no interval can be given.
func bootstrapRelative(a, b []float64, resamples int, alpha float64, rng *rand.Rand) (lo, hi float64, ok bool) {
	if len(a) < 2 || len(b) < 2 || mean(a) == 0 {
		return math.NaN(), math.NaN(), false
	}
	stats := make([]float64, 0, resamples)
	for range resamples {
		ma := resampledMean(a, rng)
		if ma == 0 {
			continue
		}
		stats = append(stats, resampledMean(b, rng)/ma-1)
	}
	if len(stats) < resamples/2 {
		return math.NaN(), math.NaN(), false
	}
	sort.Float64s(stats)
	return quantile(stats, alpha/2), quantile(stats, 1-alpha/2), true
}

func resampledMean(xs []float64, rng *rand.Rand) float64 {
	sum := 0.0
	for range xs {
		sum += xs[rng.IntN(len(xs))]
	}
	return sum / float64(len(xs))
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
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
