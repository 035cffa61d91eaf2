package stub

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// exampleHistogram is the illustrative histogram shipped for users.
var exampleHistogram = filepath.Join("..", "..", "stub", "testdata", "chat-answer-tokens.csv")

func noHistograms(arg string) (*TokensDist, error) {
	return (*TokensHistograms)(nil).lookup(arg)
}

func mustDist(t *testing.T, spec string) *TokensDist {
	t.Helper()
	d, err := ParseTokensDist(spec, LoadTokensHistogram)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLognormalDrawsHaveTheAskedMeanAndSD: 20,000 draws of lognormal:mean=200,sd=150 have
// a sample mean within 3 % and a standard deviation within 6 % of the asked ones. Seeded,
// so it cannot flake; the bounds are several standard errors wide (about 0.5 % and 1.5 %
// here), so another seed passes too.
func TestLognormalDrawsHaveTheAskedMeanAndSD(t *testing.T) {
	const n, mean, sd = 20_000, 200.0, 150.0
	d := mustDist(t, "lognormal:mean=200,sd=150")
	for _, seed := range []uint64{1, 2, 3} {
		r := rand.New(rand.NewPCG(seed, 99))
		var sum, sumSq float64
		for range n {
			x := float64(d.draw(r))
			if x < 1 || x > MaxTokens || x != math.Trunc(x) {
				t.Fatalf("draw %v: want an integer in [1, %d]", x, MaxTokens)
			}
			sum += x
			sumSq += x * x
		}
		gotMean := sum / n
		gotSD := math.Sqrt((sumSq - sum*sum/n) / (n - 1))
		if math.Abs(gotMean-mean)/mean > 0.03 {
			t.Errorf("seed %d: sample mean %.1f, want %v within 3 %%", seed, gotMean, mean)
		}
		if math.Abs(gotSD-sd)/sd > 0.06 {
			t.Errorf("seed %d: sample sd %.1f, want %v within 6 %%", seed, gotSD, sd)
		}
		t.Logf("seed %d: mean %.1f, sd %.1f", seed, gotMean, gotSD)
	}
}

func TestLognormalParameters(t *testing.T) {
	l := newLognormal(200, 150)
	wantSigma2 := math.Log(1 + 150.0*150/(200*200))
	if math.Abs(l.sigma*l.sigma-wantSigma2) > 1e-12 || math.Abs(l.mu-(math.Log(200)-wantSigma2/2)) > 1e-12 {
		t.Errorf("μ %v σ %v; want σ² = ln(1 + sd²/mean²) = %v, μ = ln(mean) − σ²/2", l.mu, l.sigma, wantSigma2)
	}
	// sd 0: every draw is the mean.
	d := mustDist(t, "lognormal:mean=37,sd=0")
	r := rand.New(rand.NewPCG(1, 1))
	for range 100 {
		if got := d.draw(r); got != 37 {
			t.Fatalf("sd 0 drew %d, want 37", got)
		}
	}
}

func TestRoundCountFloorsAtOneAndCapsAtMaxTokens(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want int
	}{{0, 1}, {0.4, 1}, {1.5, 2}, {199.49, 199}, {MaxTokens - 0.6, MaxTokens - 1}, {MaxTokens - 0.4, MaxTokens}, {MaxTokens, MaxTokens}, {1e12, MaxTokens}, {math.Inf(1), MaxTokens}} {
		if got := roundCount(tc.x); got != tc.want {
			t.Errorf("roundCount(%v) = %d, want %d", tc.x, got, tc.want)
		}
	}
	// A mean near the cap with a wide spread draws past it often: every draw stays within.
	d := mustDist(t, "lognormal:mean=100000,sd=100000")
	r := rand.New(rand.NewPCG(5, 5))
	capped := 0
	for range 1000 {
		n := d.draw(r)
		if n < 1 || n > MaxTokens {
			t.Fatalf("draw %d outside [1, %d]", n, MaxTokens)
		}
		if n == MaxTokens {
			capped++
		}
	}
	if capped == 0 {
		t.Error("no draw reached the cap; the test does not exercise it")
	}
}

// TestHistogramDrawsFollowTheWeights draws the example histogram 20,000 times: each
// bucket's share matches its weight (chi-square under the 0.1 % critical value for its 9
// degrees of freedom, 27.88), every count lies within its bucket, and within a bucket the
// counts spread across it rather than sit at a bound.
func TestHistogramDrawsFollowTheWeights(t *testing.T) {
	d := mustDist(t, "histogram:"+exampleHistogram)
	h := d.d.(*histogram)
	if len(h.upper) != 10 {
		t.Fatalf("example histogram has %d buckets; the test expects 10", len(h.upper))
	}
	const n = 20_000
	r := rand.New(rand.NewPCG(7, 7))
	observed := make([]int, len(h.upper))
	distinct := make([]map[int]bool, len(h.upper))
	for i := range distinct {
		distinct[i] = map[int]bool{}
	}
	for range n {
		x := d.draw(r)
		i := bucketOf(h.upper, x)
		if i < 0 {
			t.Fatalf("draw %d above the last bound %d", x, h.upper[len(h.upper)-1])
		}
		observed[i]++
		distinct[i][x] = true
	}
	total := h.cum[len(h.cum)-1]
	chi2, prev := 0.0, 0.0
	for i, c := range h.cum {
		expected := n * (c - prev) / total
		prev = c
		chi2 += (float64(observed[i]) - expected) * (float64(observed[i]) - expected) / expected
		if width := h.upper[i] - max(lowerOf(h.upper, i), 1) + 1; observed[i] > 4*width && len(distinct[i]) < width/2 {
			t.Errorf("bucket ≤%d: %d draws took only %d of its %d counts", h.upper[i], observed[i], len(distinct[i]), width)
		}
	}
	if chi2 > 27.88 {
		t.Errorf("chi-square %.1f over 27.88 (9 degrees of freedom, p = 0.001): observed %v", chi2, observed)
	}
	t.Logf("chi-square %.1f, observed %v", chi2, observed)
}

func TestHistogramExactCountsAndZeroWeights(t *testing.T) {
	d, err := ParseTokensHistogram(strings.NewReader("# exact counts\n1\t1\n2,0\n3,3\n\n10,0\n"), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 3))
	counts := map[int]int{}
	for range 4000 {
		counts[d.draw(r)]++
	}
	if counts[2] != 0 || len(counts) != 2 || counts[1] == 0 || counts[3] == 0 {
		t.Fatalf("drew %v; want only 1 and 3 (2 and 4–10 have weight 0)", counts)
	}
	if share := float64(counts[3]) / 4000; math.Abs(share-0.75) > 0.03 {
		t.Errorf("count 3 drawn %.3f of the time, want 0.75", share)
	}
	// The largest Float64 lands in the last bucket with weight, not in the zero-weight ones after it.
	if got := d.draw(rand.New(maxFloatSource{})); got != 3 {
		t.Errorf("a draw at the very top of the total gave %d, want 3", got)
	}
}

// maxFloatSource makes Float64 return its largest value, 1 − 2⁻⁵³.
type maxFloatSource struct{}

func (maxFloatSource) Uint64() uint64 { return math.MaxUint64 }

func bucketOf(upper []int, x int) int {
	for i, u := range upper {
		if x <= u {
			return i
		}
	}
	return -1
}

func lowerOf(upper []int, i int) int {
	if i == 0 {
		return 1
	}
	return upper[i-1] + 1
}

func TestParseTokensDistErrorsNameThePart(t *testing.T) {
	for _, tc := range []struct{ spec, mention string }{
		{"", "KIND:ARGUMENTS"},
		{"lognormal", "KIND:ARGUMENTS"},
		{"normal:mean=200,sd=150", `unknown distribution "normal"`},
		{"Lognormal:mean=200,sd=150", `unknown distribution "Lognormal"`},
		{"lognormal:mean=200", "sd missing"},
		{"lognormal:sd=150", "mean missing"},
		{"lognormal:", "is not KEY=VALUE"},
		{"lognormal:mean=-5,sd=1", "mean -5 out of range"},
		{"lognormal:mean=0,sd=1", "mean 0 out of range"},
		{"lognormal:mean=0.5,sd=1", "mean 0.5 out of range"},
		{"lognormal:mean=200001,sd=1", "mean 200001 out of range"},
		{"lognormal:mean=200,sd=-1", "sd -1 out of range"},
		{"lognormal:mean=200,sd=1e9", "sd 1e+09 out of range"},
		{"lognormal:mean=NaN,sd=1", `mean "NaN" is not a number`},
		{"lognormal:mean=1e999,sd=1", `mean "1e999" is not a number`},
		{"lognormal:mean=abc,sd=1", `mean "abc" is not a number`},
		{"lognormal:mean=200,sd=", `sd "" is not a number`},
		{"lognormal:mean=200,sd=150,median=100", `unknown parameter "median"`},
		{"lognormal:mean=200,mean=100,sd=1", "mean given twice"},
		{"lognormal:mean=200;sd=150", `mean "200;sd=150" is not a number`},
		{"histogram:", "missing"},
		{"histogram:chat", "none was loaded at start"},
		{"histogram:/etc/passwd", "never a file"},
	} {
		_, err := ParseTokensDist(tc.spec, noHistograms)
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%q: error %v, want one mentioning %q", tc.spec, err, tc.mention)
		}
	}
}

func TestParseTokensHistogramErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ text, mention string }{
		{"", "no buckets"},
		{"# only a comment\n\n", "no buckets"},
		{"10,0\n20,0\n", "weights sum to 0"},
		{"10,1\n20\n", "t.csv:2: 1 fields; want 2"},
		{"10,1,2\n", "t.csv:1: 3 fields"},
		{"upper_bound,weight\n10,1\n", `t.csv:1: upper bound "upper_bound" is not an integer`},
		{"10,1\n# c\n5,1\n", "t.csv:3: upper bound 5 is not above the previous line's 10"},
		{"10,1\n10,1\n", "t.csv:2: upper bound 10 is not above"},
		{"0,1\n", "t.csv:1: upper bound 0 out of range"},
		{"100001,1\n", "t.csv:1: upper bound 100001 out of range"},
		{"10,-1\n", "t.csv:1: weight -1 is negative"},
		{"10,x\n", `t.csv:1: weight "x" is not a number`},
		{"10,Inf\n", `t.csv:1: weight "Inf" is not a number`},
		{"10,1\n20,1e308\n30,1e308\n", "finite total"},
		{"1.5,1\n", `t.csv:1: upper bound "1.5" is not an integer`},
		{"10,1\n" + strings.Repeat("9", 70_000) + ",1\n", "t.csv:2: bufio.Scanner: token too long"},
	} {
		_, err := ParseTokensHistogram(strings.NewReader(tc.text), "t.csv")
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%.40q: error %v, want one mentioning %q", tc.text, err, tc.mention)
		}
	}
	if _, err := LoadTokensHistogram(filepath.Join(t.TempDir(), "absent.csv")); err == nil || !strings.Contains(err.Error(), "absent.csv") {
		t.Errorf("a missing file: error %v, want one naming it", err)
	}
}

func TestTokensHistogramsByName(t *testing.T) {
	var set TokensHistograms
	if err := set.Load("chat", exampleHistogram); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, mention string }{
		{"chat", exampleHistogram, "given twice"},
		{"", exampleHistogram, "histogram name"},
		{"a/b", exampleHistogram, "histogram name"},
		{strings.Repeat("n", 65), exampleHistogram, "histogram name"},
		{"other", "absent.csv", "absent.csv"},
	} {
		if err := set.Load(tc.name, tc.path); err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("Load(%q, %q): error %v, want one mentioning %q", tc.name, tc.path, err, tc.mention)
		}
	}
	d, err := ParseTokensDist("histogram:chat", set.lookup)
	if err != nil || d.String() != "histogram:chat" {
		t.Fatalf("histogram:chat: %v, %v", d, err)
	}
	if _, err := ParseTokensDist("histogram:"+exampleHistogram, set.lookup); err == nil || !strings.Contains(err.Error(), "loaded: chat") {
		t.Errorf("a path by name: error %v, want the loaded names listed", err)
	}
}
