package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestTQuantileKnownValues(t *testing.T) {
	for _, c := range []struct{ df, want float64 }{{1, 12.706}, {2, 4.303}, {4, 2.776}, {30, 2.042}, {60, 2.000}, {1000, 1.962}} {
		if got := TQuantile(c.df); math.Abs(got-c.want) > 0.002 {
			t.Errorf("TQuantile(%g) = %.4f, want %.3f", c.df, got, c.want)
		}
	}
	if !math.IsNaN(TQuantile(0.5)) {
		t.Error("TQuantile below 1 degree of freedom must be NaN")
	}
}

func TestOverTrials(t *testing.T) {
	iv := OverTrials([]float64{100, 110, 90})
	if iv.Point != 100 || iv.N != 3 || iv.Method != MethodTrials {
		t.Fatalf("OverTrials = %+v", iv)
	}
	// sd = 10, t(2) = 4.303: ±4.303·10/√3 = ±24.84
	if math.Abs(iv.Hi-124.84) > 0.01 || math.Abs(iv.Lo-75.16) > 0.01 {
		t.Errorf("interval [%.2f, %.2f], want [75.16, 124.84]", iv.Lo, iv.Hi)
	}
	one := OverTrials([]float64{5})
	if one.Known() || one.Point != 5 {
		t.Errorf("one trial must give the value with unknown bounds, got %+v", one)
	}
}

// Every interval printed contains its own point estimate, whatever the data.
func TestIntervalsContainTheirPoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		n := 2 + rng.IntN(8)
		vals := make([]float64, n)
		for j := range vals {
			vals[j] = rng.NormFloat64()*rng.Float64()*100 + rng.Float64()*1000
		}
		if iv := OverTrials(vals); !(iv.Lo <= iv.Point && iv.Point <= iv.Hi) {
			t.Fatalf("OverTrials(%v) = %+v: point outside", vals, iv)
		}
		secs := make([]float64, 10+rng.IntN(100))
		for j := range secs {
			secs[j] = rng.ExpFloat64() * 500
		}
		point := rng.Float64() * 1000
		if iv := WithinRun(point, secs); !(iv.Lo <= iv.Point && iv.Point <= iv.Hi) {
			t.Fatalf("WithinRun(%g) = %+v: point outside", point, iv)
		}
		other := make([]float64, 1+rng.IntN(6))
		for j := range other {
			other[j] = rng.NormFloat64()*50 + 900
		}
		if d := Relative(vals, other); d.Method != DiffNone && !(d.Lo <= d.Delta && d.Delta <= d.Hi) {
			t.Fatalf("Relative(%v, %v) = %+v: delta outside", vals, other, d)
		}
	}
}

// An A/A comparison — both sides drawn from one distribution — may be called significant
// about 1 time in 20 at 95 %, not more.
func TestRelativeAAFalsePositiveRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const reps = 4000
	for _, n := range []int{3, 5} {
		sig := 0
		for i := 0; i < reps; i++ {
			a, b := make([]float64, n), make([]float64, n)
			for j := 0; j < n; j++ {
				a[j] = 5000 * (1 + 0.05*rng.NormFloat64())
				b[j] = 5000 * (1 + 0.05*rng.NormFloat64())
			}
			if Relative(a, b).Significant {
				sig++
			}
		}
		rate := float64(sig) / reps
		if rate > 0.065 || rate < 0.01 {
			t.Errorf("%d trials: A/A significant in %.1f %% of comparisons, want about 5 %%", n, 100*rate)
		}
	}
}

func TestRelativeFindsARealDrop(t *testing.T) {
	base := []float64{5000, 5100, 4950}
	cand := []float64{4000, 4050, 3980}
	d := Relative(base, cand)
	if !d.Significant || d.Delta > -0.19 || d.Method != DiffWelch {
		t.Errorf("a 20 %% drop with 1 %% noise: %+v", d)
	}
}

func TestRelativeOneTrialEachIsNeverSignificant(t *testing.T) {
	d := Relative([]float64{4548}, []float64{3479})
	if d.Significant || d.Method != DiffNone || math.Abs(d.Delta+0.235) > 0.001 {
		t.Errorf("one trial each: %+v", d)
	}
}

func TestOverlapIsATie(t *testing.T) {
	a := Interval{Point: 10, Lo: 9, Hi: 11, Method: MethodTrials}
	b := Interval{Point: 11.5, Lo: 10.5, Hi: 12.5, Method: MethodTrials}
	c := Interval{Point: 14, Lo: 13, Hi: 15, Method: MethodTrials}
	if !Overlap(a, b) || Overlap(a, c) || Overlap(a, Interval{Point: 10, Lo: math.NaN(), Hi: math.NaN(), Method: MethodNone}) {
		t.Error("overlap: want a~b, a≠c, unknown never tied")
	}
}

func TestWithinRunBatchMeans(t *testing.T) {
	secs := []float64{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}
	iv := WithinRun(3, secs)
	// batch means 1..5, sd 1.5811, t(4)=2.776: ±1.963
	if iv.Method != MethodBatches || math.Abs(iv.Hi-iv.Lo-2*1.963) > 0.01 {
		t.Errorf("WithinRun = %+v", iv)
	}
	if WithinRun(3, secs[:9]).Known() {
		t.Error("fewer than 10 seconds must give no interval")
	}
}
