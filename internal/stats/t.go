package stats

import "math"

// tTable holds Student's t quantile at 0.975 for 1–30 degrees of freedom.
var tTable = [...]float64{
	12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
}

// TQuantile is the two-sided 95 % quantile of Student's t with df degrees of freedom
// (fractional df, as Welch's gives, is rounded down: a slightly wider interval). Beyond 30
// it uses the Cornish–Fisher expansion around the normal 1.96, good to three decimals.
func TQuantile(df float64) float64 {
	if df < 1 || math.IsNaN(df) {
		return math.NaN()
	}
	if df <= float64(len(tTable)) {
		return tTable[int(df)-1]
	}
	z := 1.959964
	return z + (z*z*z+z)/(4*df) + (5*z*z*z*z*z+16*z*z*z+3*z)/(96*df*df)
}
