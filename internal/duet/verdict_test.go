package duet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// simulate makes rounds of servers whose true CPU per stream is cost[i], with a drift of the
// machine shared by every server of a round (lognormal, sd drift) and noise of each server's
// own (lognormal, sd own): the situation side by side is built for.
func simulate(rng *rand.Rand, names []string, cost []float64, rounds int, drift, own float64) []Round {
	out := make([]Round, rounds)
	for r := range out {
		shared := math.Exp(rng.NormFloat64() * drift)
		out[r] = Round{Number: r + 1, Samples: map[string]Sample{}}
		for i, n := range names {
			c := cost[i] * shared * math.Exp(rng.NormFloat64()*own)
			out[r].Samples[n] = Sample{Server: n, Streams: 500, Offered: 500, CPUSeconds: c * 500 / 1e6,
				PeakRSSBytes: 10 << 20, TTFTp50: 1 + float64(i), TTFTp99: 2, GapP99: 1, DurP50: 3, DurP99: 4}
		}
	}
	return out
}

// TestIntervalsCoverTheTrueRatio: with a 10 % drift shared by all servers and 2 % noise of
// their own, the 95 % interval of each ratio covers the true ratio about 95 % of the time.
func TestIntervalsCoverTheTrueRatio(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"ref", "b", "c"}
	cost := []float64{1000, 1050, 2100}
	const sims = 3000
	covered := map[string]int{}
	for range sims {
		v := Judge(simulate(rng, names, cost, 8, 0.10, 0.02), names, "ref", "", "")
		for _, n := range names[1:] {
			row, _ := v.Row(n)
			truth := cost[slices.Index(names, n)] / cost[0]
			if row.CPU.Lo <= truth && truth <= row.CPU.Hi {
				covered[n]++
			}
		}
	}
	for _, n := range names[1:] {
		share := float64(covered[n]) / sims
		t.Logf("%s: interval covers the true ratio in %.1f %% of %d simulated runs of 8 rounds", n, 100*share, sims)
		if share < 0.93 || share > 0.97 {
			t.Errorf("%s: coverage %.3f, want 0.95 ± 0.02", n, share)
		}
	}
}

// TestDriftCancelsInTheRatio: a drift five times the gap between two servers hides it when
// each is judged alone, but not in their ratio.
func TestDriftCancelsInTheRatio(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	names := []string{"ref", "plus5"}
	rounds := simulate(rng, names, []float64{1000, 1050}, 10, 0.25, 0.01)
	v := Judge(rounds, names, "ref", "", "")
	row, _ := v.Row("plus5")
	if !Significant(row.CPU) || row.Rank != 2 || row.Tied {
		t.Fatalf("a 5 %% handicap under 25 %% shared drift: got %+v, want significant and ranked 2nd", row)
	}
	if math.Abs(row.CPU.Point-1.05) > 0.01 {
		t.Errorf("ratio %.4f, want 1.05 ±0.01", row.CPU.Point)
	}
	if ref, _ := v.Row("ref"); !(ref.CPUMicros.Known() && ref.CPUMicros.HalfWidth()/ref.CPUMicros.Point > 0.1) {
		t.Errorf("the absolute figure should show the drift the ratio removes: %+v", ref.CPUMicros)
	}
}

// TestAAIsRarelySignificant: two instances of one server are called different in about 5 %
// of runs, and the verdict is then flagged biased.
func TestAAIsRarelySignificant(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	names := []string{"ref", "ref-aa"}
	const sims = 2000
	biased := 0
	for range sims {
		if Judge(simulate(rng, names, []float64{1000, 1000}, 8, 0.1, 0.02), names, "ref", "ref-aa", "").Biased {
			biased++
		}
	}
	share := float64(biased) / sims
	t.Logf("A/A called biased in %.1f %% of %d simulated runs", 100*share, sims)
	if share < 0.03 || share > 0.07 {
		t.Errorf("A/A false positive rate %.3f, want 0.05 ± 0.02", share)
	}
}

func TestSaturatedRoundsDoNotCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	names := []string{"ref", "b"}
	rounds := simulate(rng, names, []float64{1000, 1000}, 6, 0.05, 0.01)
	s := rounds[2].Samples["b"]
	s.Streams, s.CPUSeconds = 100, 1 // saturated: 20 % achieved, and a wild CPU per stream
	s.Judge()
	rounds[2].Samples["b"] = s
	row, _ := Judge(rounds, names, "ref", "", "").Row("b")
	if row.Rounds != 5 || row.Saturated != 1 {
		t.Fatalf("rounds %d saturated %d, want 5 and 1", row.Rounds, row.Saturated)
	}
	if math.Abs(row.CPU.Point-1) > 0.05 {
		t.Errorf("the saturated round leaked into the ratio: %.3f", row.CPU.Point)
	}
}

func TestJudgeMarksFailuresAndShortfall(t *testing.T) {
	for _, c := range []struct {
		s    Sample
		want string
	}{
		{Sample{Streams: 500, Offered: 500}, ""},
		{Sample{Streams: 476, Offered: 500}, ""},
		{Sample{Streams: 474, Offered: 500}, "achieved rate below 95 % of offered"},
		{Sample{Streams: 500, Offered: 500, Failed: 1}, "failures"},
	} {
		c.s.Judge()
		if c.s.Saturated != c.want {
			t.Errorf("%+v: saturated %q, want %q", c.s, c.s.Saturated, c.want)
		}
	}
}

// TestTiesFollowPairedIntervals: two servers 0.5 % apart under 1 % noise of their own tie;
// one 10 % dearer does not.
func TestTiesFollowPairedIntervals(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	names := []string{"ref", "near", "far"}
	v := Judge(simulate(rng, names, []float64{1000, 1005, 1100}, 8, 0.1, 0.01), names, "ref", "", "")
	got := map[string]Row{}
	for _, r := range v.Rows {
		got[r.Server] = r
	}
	if got["far"].Tied || got["far"].Rank != 3 {
		t.Errorf("far: %+v, want rank 3 untied", got["far"])
	}
	if first := v.Rows[0]; first.Server != "ref" && first.Server != "near" {
		t.Errorf("first row %s", first.Server)
	}
	if !v.Rows[1].Tied || v.Rows[1].Rank != 1 {
		t.Errorf("ref and near 0.5 %% apart: second row %+v, want tied at rank 1", v.Rows[1])
	}
}

func TestAddedLatencyIsPairedOnDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	names := []string{"direct", "ref", "b"}
	v := Judge(simulate(rng, names, []float64{500, 1000, 1000}, 5, 0.1, 0.01), names[1:], "ref", "", "direct")
	b, _ := v.Row("b")
	// simulate gives server i a TTFT p50 of 1+i ms: b (i=2) adds 2 ms over direct (i=0), exactly.
	if b.Added.TTFTp50.Point != 2 || !b.Added.TTFTp50.Known() || b.Added.TTFTp50.HalfWidth() != 0 {
		t.Errorf("added TTFT p50 %+v, want exactly 2 ms", b.Added.TTFTp50)
	}
}

func TestPrecisionIsTheWidestRatio(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	names := []string{"ref", "quiet", "noisy"}
	rounds := simulate(rng, names, []float64{1000, 1000, 1000}, 6, 0.1, 0.001)
	for _, r := range rounds {
		s := r.Samples["noisy"]
		s.CPUSeconds *= math.Exp(rng.NormFloat64() * 0.1)
		r.Samples["noisy"] = s
	}
	v := Judge(rounds, names, "ref", "", "")
	w, who := v.Precision()
	if who != "noisy" || !(w > 0.01) {
		t.Errorf("precision %.4f of %s, want the noisy server's, above 1 %%", w, who)
	}
	if w, who := Judge(rounds[:2], names, "ref", "", "").Precision(); !math.IsInf(w, 1) {
		t.Errorf("two rounds: precision %v of %s, want +Inf (no interval below MinRounds)", w, who)
	}
}

func TestPlanIsSeededAndPhasesFitOnePeriod(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e"}
	period := 20 * time.Millisecond
	if fmt.Sprint(Plan(1, 1, names, period)) != fmt.Sprint(Plan(1, 1, names, period)) {
		t.Fatal("same seed and round, different plans")
	}
	firsts := map[string]bool{}
	for round := 1; round <= 50; round++ {
		p := Plan(1, round, names, period)
		firsts[p[0].Server] = true
		for i, s := range p {
			if s.Delay < 0 || s.Delay >= period || (i > 0 && s.Delay < p[i-1].Delay) {
				t.Fatalf("round %d: delays %v, want sorted within [0, %s)", round, p, period)
			}
		}
	}
	if len(firsts) != len(names) {
		t.Errorf("over 50 rounds only %v started first; want every server at some point", firsts)
	}
}

func TestTextTableShowsRatiosTiesAndTheAALine(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	names := []string{"direct", "ref", "ref-aa", "dear"}
	v := Judge(simulate(rng, names, []float64{500, 1000, 1000, 1200}, 8, 0.1, 0.01), names[1:], "ref", "ref-aa", "direct")
	var b strings.Builder
	if err := v.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"cpu ×ref", "ref (ref)", "1 (ref)", "ref-aa (A/A)", "≈1", "interval contains 1.00: no bias seen"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	dear, _ := v.Row("dear")
	if cell := FormatRatio(dear.CPU, false); !strings.Contains(out, cell) || !strings.HasPrefix(cell, "1.2") || !strings.Contains(cell, " ±0.0") {
		t.Errorf("dear's cell %q, want 1.2xx ±0.0xx in the table:\n%s", cell, out)
	}
	var md strings.Builder
	if err := v.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| rank | server | cpu ×ref |") {
		t.Errorf("markdown header:\n%s", md.String())
	}
}

func TestBiasedAAIsSaidInWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	names := []string{"ref", "ref-aa"}
	v := Judge(simulate(rng, names, []float64{1000, 1030}, 8, 0.1, 0.005), names, "ref", "ref-aa", "")
	if !v.Biased || !strings.HasPrefix(v.AANote(), "BIASED") {
		t.Errorf("a 3 %% A/A gap under 0.5 %% noise: biased %v, note %q", v.Biased, v.AANote())
	}
}

// TestAdaptiveStoppingKeepsTheAAHonest: rounds go on until every ratio is within 1 %, as the
// runner's do. With a floor of 10 rounds an A/A pair is called different in about 5 % of
// runs; stopping from 3 rounds on would favour intervals narrow by chance.
func TestAdaptiveStoppingKeepsTheAAHonest(t *testing.T) {
	names := []string{"ref", "ref-aa"}
	rate := func(minRounds int) float64 {
		rng := rand.New(rand.NewPCG(19, uint64(minRounds)))
		const sims = 1500
		biased := 0
		for range sims {
			var rounds []Round
			for n := 1; n <= 60; n++ {
				rounds = append(rounds, simulate(rng, names, []float64{1000, 1000}, 1, 0.1, 0.02)...)
				v := Judge(rounds, names, "ref", "ref-aa", "")
				if v.PreciseEnough(0.01, minRounds) || n == 60 {
					if v.Biased {
						biased++
					}
					break
				}
			}
		}
		return float64(biased) / sims
	}
	early, floor := rate(MinRounds), rate(10)
	t.Logf("A/A called biased: %.1f %% stopping from %d rounds on, %.1f %% from 10 on (1,500 simulated runs each)", 100*early, MinRounds, 100*floor)
	if floor > 0.075 {
		t.Errorf("with a floor of 10 rounds the A/A is called biased in %.1f %% of runs, want about 5 %%", 100*floor)
	}
}
