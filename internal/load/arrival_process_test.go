package load

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// gapStats are the mean and coefficient of variation of n gaps drawn by g.
func gapStats(g *gapSampler, n int) (mean, cv float64) {
	var sum, sumSq float64
	for range n {
		x := g.next()
		sum += x
		sumSq += x * x
	}
	mean = sum / float64(n)
	sd := math.Sqrt((sumSq - sum*mean) / float64(n-1))
	return mean, sd / mean
}

// Seeded, so deterministic: the drawn gaps have the asked mean within 2 % and cv within 4 %.
// The mean's standard error is cv/√n, 0.9 % for cv 2: over 200 seeds 3 fall outside 2 % for
// cv 2, none for the others.
func TestArrivalGapsHaveTheAskedMeanAndCV(t *testing.T) {
	const n, mean = 50_000, 20e6 // 50/s: 20 ms
	for _, c := range []struct {
		name string
		cv   float64
		gaps *gapSampler
	}{
		{"poisson", 1, newExponentialGaps(rand.New(rand.NewPCG(1, arrivalStream)), mean)},
		{"gamma cv=2", 2, newGammaGaps(rand.New(rand.NewPCG(2, arrivalStream)), mean, 2)},
		{"gamma cv=1", 1, newGammaGaps(rand.New(rand.NewPCG(3, arrivalStream)), mean, 1)},
		{"gamma cv=0.5", 0.5, newGammaGaps(rand.New(rand.NewPCG(4, arrivalStream)), mean, 0.5)},
	} {
		gotMean, gotCV := gapStats(c.gaps, n)
		t.Logf("%s: mean %.4g ms (%+.2f %%), cv %.4f (%+.2f %%)", c.name, gotMean/1e6,
			100*(gotMean/mean-1), gotCV, 100*(gotCV/c.cv-1))
		if math.Abs(gotMean/mean-1) > 0.02 {
			t.Errorf("%s: mean gap %.4g ns, want %.4g within 2 %%", c.name, gotMean, mean)
		}
		if math.Abs(gotCV/c.cv-1) > 0.04 {
			t.Errorf("%s: cv %.4f, want %.4g within 4 %%", c.name, gotCV, c.cv)
		}
	}
}

// dueOffsets are the due times of every iteration sc starts, as the executor walks them.
func dueOffsets(sc ConstantArrivalRate) []time.Duration {
	mine := allArrivals
	if sc.arrivals != nil {
		mine = *sc.arrivals
	}
	due := newArrivalDue(sc)
	var out []time.Duration
	for k := 0; ; k++ {
		i, ok := mine.nth(k)
		if !ok {
			return out
		}
		off := due.offset(i)
		if off >= sc.Duration {
			return out
		}
		out = append(out, off)
	}
}

func TestConstantArrivalsAreK6sSpacing(t *testing.T) {
	for _, p := range []ArrivalProcess{{}, {Process: ArrivalConstant}} {
		sc := ConstantArrivalRate{Rate: 3, TimeUnit: time.Second, Duration: 2 * time.Second, Arrival: p}
		want := []time.Duration{0, 333333333, 666666666, time.Second, 1333333333, 1666666666}
		if got := dueOffsets(sc); !slices.Equal(got, want) {
			t.Errorf("%q: due at %v, want %v", p.Process, got, want)
		}
	}
}

// The segments of a split run thin one process: together they start exactly the whole run's
// arrivals, each its share, when they share the seed.
func TestSegmentsShareOneArrivalProcess(t *testing.T) {
	for _, p := range []ArrivalProcess{{Process: ArrivalPoisson, CV: 1, Seed: 7}, {Process: ArrivalGamma, CV: 2, Seed: 8}} {
		sc := ConstantArrivalRate{Rate: 300, TimeUnit: time.Second, Duration: 2 * time.Second,
			PreAllocatedVUs: 10, MaxVUs: 10, Arrival: p}
		whole := dueOffsets(sc)
		if n := len(whole); n < 480 || n > 720 {
			t.Fatalf("%s: %d arrivals in 2 s at 300/s", p, n)
		}
		var union []time.Duration
		var counts []int
		for _, seg := range segmentsOf(t, "0,1/3,2/3,1") {
			part, err := sc.InSegment(seg)
			if err != nil {
				t.Fatal(err)
			}
			mine := dueOffsets(part.(ConstantArrivalRate))
			counts, union = append(counts, len(mine)), append(union, mine...)
		}
		slices.Sort(union)
		if !slices.Equal(union, whole) {
			t.Errorf("%s: the segments start %d arrivals (%v), not the whole run's %d", p, len(union), counts, len(whole))
		}
		// maxVUs 10 splits 4:3:3, and so do the arrivals, give or take the last stripe.
		if want := []int{len(whole) * 4 / 10, len(whole) * 3 / 10, len(whole) * 3 / 10}; math.Abs(float64(counts[0]-want[0])) > 4 ||
			math.Abs(float64(counts[1]-want[1])) > 4 || math.Abs(float64(counts[2]-want[2])) > 4 {
			t.Errorf("%s: segments start %v arrivals, want about %v", p, counts, want)
		}
	}
}

func TestAnotherSeedDrawsOtherArrivals(t *testing.T) {
	sc := ConstantArrivalRate{Rate: 100, TimeUnit: time.Second, Duration: time.Second,
		Arrival: ArrivalProcess{Process: ArrivalPoisson, CV: 1, Seed: 1}}
	a, again := dueOffsets(sc), dueOffsets(sc)
	sc.Arrival.Seed = 2
	if b := dueOffsets(sc); !slices.Equal(a, again) || slices.Equal(a, b) {
		t.Errorf("seed 1 twice: same %v; seeds 1 and 2: same %v", slices.Equal(a, again), slices.Equal(a, b))
	}
}

func TestSeededArrivalsSeedOnlyRandomProcessesWithoutOne(t *testing.T) {
	now := time.Unix(0, 12345)
	random := ConstantArrivalRate{Rate: 1, Arrival: ArrivalProcess{Process: ArrivalGamma, CV: 2}}
	if got := seededArrivals(random, now).(ConstantArrivalRate).Arrival.Seed; got != 12345 {
		t.Errorf("seed %d, want the time's 12345", got)
	}
	random.Arrival.Seed = 9
	if got := seededArrivals(random, now).(ConstantArrivalRate).Arrival.Seed; got != 9 {
		t.Errorf("seed %d, want the file's 9", got)
	}
	even := ConstantArrivalRate{Rate: 1}
	if got := seededArrivals(even, now).(ConstantArrivalRate).Arrival; got != (ArrivalProcess{}) {
		t.Errorf("evenly spaced arrivals got %+v", got)
	}
	if arrivalSummary(even) != nil || arrivalSummary(ConstantVUs{VUs: 1}) != nil {
		t.Error("a summary of arrivals without a random process")
	}
}

// The executor starts an iteration at each drawn due time, on a fake clock.
func TestArrivalExecutorFollowsTheDrawnTimes(t *testing.T) {
	sc := ConstantArrivalRate{Rate: 50, TimeUnit: time.Second, Duration: time.Second,
		PreAllocatedVUs: 20, MaxVUs: 20, GracefulStop: time.Second,
		Arrival: ArrivalProcess{Process: ArrivalGamma, CV: 2, Seed: 3}}
	want := dueOffsets(sc)
	clk := newFakeClock()
	rec := &countingRecorder{}
	ex, err := newExecutor(sc, clk, sleepIteration(clk, 10*time.Millisecond), rec)
	if err != nil {
		t.Fatal(err)
	}
	e := ex.(*arrivalExecutor)
	done := make(chan struct{})
	go func() { e.run(context.Background()); close(done) }()
	settle := func() bool {
		e.mu.Lock()
		busy := e.busy
		e.mu.Unlock()
		controller := 1
		select {
		case <-done:
			controller = 0
		default:
		}
		return clk.Pending() == busy+controller
	}
	clk.AdvanceTo(t, 3*time.Second, settle)
	<-done
	completed, _, dropped := rec.snapshot()
	var starts []time.Duration
	for _, s := range completed {
		starts = append(starts, s.start)
	}
	slices.Sort(starts)
	if !slices.Equal(starts, want) || dropped != 0 {
		t.Fatalf("started %d iterations (dropped %d), want the %d drawn: %v", len(starts), dropped, len(want), want)
	}
}

// A real run of Poisson arrivals against a local server: the summary prints the seed drawn
// from the time, that seed draws exactly the arrivals the run started, and their rate is the
// asked one (400 expected in 2 s, standard deviation 20: 20 % is four of them).
func TestPoissonRunAchievesTheAskedRate(t *testing.T) {
	srv := streamServer(t)
	sc := ConstantArrivalRate{Rate: 200, TimeUnit: time.Second, Duration: 2 * time.Second,
		PreAllocatedVUs: 20, MaxVUs: 100, GracefulStop: 5 * time.Second,
		Arrival: ArrivalProcess{Process: ArrivalPoisson, CV: 1}}
	sum, err := Run(context.Background(), Options{Target: srv.URL, TestID: "t", Server: "s", ScenarioName: "poisson",
		Scenario: sc, Registry: prometheus.NewRegistry(),
		Headers: http.Header{"X-Test-Events": {"3"}, "X-Test-Gap": {"1ms"}}})
	if err != nil {
		t.Fatal(err)
	}
	a := sum.Arrival
	if a == nil || a.Process != ArrivalPoisson || a.CV != 1 || a.Seed == 0 {
		t.Fatalf("summary's arrivals %+v, want poisson with the seed it drew", a)
	}
	var text bytes.Buffer
	if err := sum.WriteText(&text); err != nil || !strings.Contains(text.String(), "arrivals: poisson, seed "+strconv.FormatUint(a.Seed, 10)) {
		t.Errorf("the printed summary does not give the seed %d:\n%s", a.Seed, text.String())
	}
	sc.Arrival.Seed = a.Seed
	due := dueOffsets(sc)
	started := sum.Iterations + sum.Dropped + sum.Interrupted
	rate := float64(sum.Iterations) / sc.Duration.Seconds()
	t.Logf("seed %d: %d arrivals drawn, %d iterations (%d dropped, %d failed): %.1f/s for 200/s asked",
		a.Seed, len(due), sum.Iterations, sum.Dropped, sum.Failed, rate)
	if started != int64(len(due)) || sum.Dropped != 0 || sum.Failed != 0 {
		t.Errorf("%d iterations started (%d dropped, %d failed), the seed draws %d", started, sum.Dropped, sum.Failed, len(due))
	}
	if math.Abs(rate/200-1) > 0.2 {
		t.Errorf("achieved %.1f/s, asked 200/s", rate)
	}
}
