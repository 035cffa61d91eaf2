package load

import (
	"math"
	"math/rand/v2"
)

// gapSampler draws the gaps between a random process's arrivals, in nanoseconds, from a
// seeded source: the same seed draws the same gaps, so a run's arrivals can be drawn again.
type gapSampler struct {
	rng   *rand.Rand
	mean  float64 // nanoseconds: timeUnit/rate
	shape float64 // gamma's k = 1/cv²; 0: exponential
	scale float64 // gamma's θ = mean·cv², so that k·θ = mean
}

// newExponentialGaps are a Poisson process's gaps: exponential with the given mean (cv 1).
func newExponentialGaps(rng *rand.Rand, mean float64) *gapSampler {
	return &gapSampler{rng: rng, mean: mean}
}

// newGammaGaps are gamma distributed with the given mean and coefficient of variation:
// shape k = 1/cv², scale θ = mean·cv² (mean kθ, standard deviation √k·θ = cv·mean).
func newGammaGaps(rng *rand.Rand, mean, cv float64) *gapSampler {
	return &gapSampler{rng: rng, mean: mean, shape: 1 / (cv * cv), scale: mean * cv * cv}
}

func (g *gapSampler) next() float64 {
	if g.shape == 0 {
		return g.mean * g.rng.ExpFloat64()
	}
	return g.scale * standardGamma(g.rng, g.shape)
}

// standardGamma draws Gamma(k, 1) by Marsaglia and Tsang's method ("A simple method for
// generating gamma variables", ACM TOMS 26(3), 2000): a squeezed rejection from a cubed
// normal, accepting over 95 % of candidates for any k ≥ 1. A k below 1 (a cv above 1, the
// bursty processes) draws Gamma(k+1) and multiplies by U^(1/k), their section 6.
func standardGamma(r *rand.Rand, k float64) float64 {
	if k < 1 {
		u := 1 - r.Float64() // (0, 1]: a log of 0 is never taken below
		return standardGamma(r, k+1) * math.Pow(u, 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := 1 - r.Float64()
		x2 := x * x
		if u < 1-0.0331*x2*x2 || math.Log(u) < x2/2+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
