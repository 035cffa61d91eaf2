package load

import (
	"context"
	"slices"
	"testing"
	"time"
)

var stressStages = []Stage{{20 * time.Second, 100}, {30 * time.Second, 200}, {20 * time.Second, 0}}

func TestTargetAtFollowsStagesLinearly(t *testing.T) {
	cases := []struct {
		at   time.Duration
		want int
	}{
		{0, 10}, {10 * time.Second, 55}, {20 * time.Second, 100}, {35 * time.Second, 150},
		{50 * time.Second, 200}, {60 * time.Second, 100}, {69900 * time.Millisecond, 1}, {70 * time.Second, 0}, {90 * time.Second, 0},
	}
	for _, c := range cases {
		if got := targetAt(10, stressStages, c.at); got != c.want {
			t.Errorf("targetAt(%v) = %d, want %d", c.at, got, c.want)
		}
	}
}

func TestRampingStepsAgreeWithTargetAt(t *testing.T) {
	steps := rampingSteps(10, stressStages)
	if want := 1 + 90 + 100 + 200; len(steps) != want {
		t.Fatalf("%d steps, want %d (one per VU change)", len(steps), want)
	}
	i := 0
	for at := time.Duration(0); at <= 70*time.Second; at += time.Millisecond {
		for i+1 < len(steps) && steps[i+1].at <= at {
			i++
		}
		if want := targetAt(10, stressStages, at); steps[i].target != want {
			t.Fatalf("at %v: steps say %d VUs, targetAt says %d", at, steps[i].target, want)
		}
	}
}

// runClosed runs a closed-model scenario on a fake clock up to `until` and returns what was recorded.
func runClosed(t *testing.T, sc Scenario, iteration, until time.Duration) *countingRecorder {
	t.Helper()
	clk := newFakeClock()
	rec := &countingRecorder{}
	ex, err := newExecutor(sc, clk, sleepIteration(clk, iteration), rec)
	if err != nil {
		t.Fatal(err)
	}
	e := ex.(*closedExecutor)
	done := make(chan struct{})
	go func() { e.run(context.Background()); close(done) }()
	settle := func() bool {
		e.mu.Lock()
		active := e.active
		e.mu.Unlock()
		controller := 1
		select {
		case <-done:
			controller = 0
		default:
		}
		return clk.Pending() == active+controller
	}
	clk.AdvanceTo(t, until, settle)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("executor did not return")
	}
	return rec
}

func TestConstantVUsRunsBackToBackIterations(t *testing.T) {
	sc := ConstantVUs{VUs: 3, Duration: time.Second, GracefulStop: 30 * time.Second}
	rec := runClosed(t, sc, 100*time.Millisecond, 2*time.Second)
	completed, interrupted, _ := rec.snapshot()
	if len(completed) != 30 || len(interrupted) != 0 {
		t.Fatalf("completed %d, interrupted %d; want 30 and 0", len(completed), len(interrupted))
	}
	for _, s := range completed {
		if s.start%(100*time.Millisecond) != 0 || s.start >= time.Second || s.end-s.start != 100*time.Millisecond {
			t.Fatalf("iteration %v..%v: want 100ms iterations starting on the 100ms grid before 1s", s.start, s.end)
		}
	}
	if rec.maxActive != 3 || rec.allocated != 3 {
		t.Fatalf("vus max %d allocated %d, want 3 and 3", rec.maxActive, rec.allocated)
	}
}

func TestGracefulStop(t *testing.T) {
	// 2 VUs, 300ms iterations over 1s: each starts at 0, 300, 600 and 900 ms; the last ones
	// end at 1200 ms, which a 500 ms graceful stop allows and a 100 ms one cuts at 1100 ms.
	sc := ConstantVUs{VUs: 2, Duration: time.Second, GracefulStop: 500 * time.Millisecond}
	completed, interrupted, _ := runClosed(t, sc, 300*time.Millisecond, 3*time.Second).snapshot()
	if len(completed) != 8 || len(interrupted) != 0 {
		t.Fatalf("gracefulStop 500ms: completed %d, interrupted %d; want 8 and 0", len(completed), len(interrupted))
	}
	sc.GracefulStop = 100 * time.Millisecond
	completed, interrupted, _ = runClosed(t, sc, 300*time.Millisecond, 3*time.Second).snapshot()
	if len(completed) != 6 || len(interrupted) != 2 {
		t.Fatalf("gracefulStop 100ms: completed %d, interrupted %d; want 6 and 2", len(completed), len(interrupted))
	}
	for _, s := range interrupted {
		if s != (span{900 * time.Millisecond, 1100 * time.Millisecond}) {
			t.Fatalf("interrupted iteration %v..%v, want 900ms..1100ms", s.start, s.end)
		}
	}
}

func TestGracefulRampDown(t *testing.T) {
	// 4 VUs from the start, down to 1 at 1s, end at 2s; 700 ms iterations. VUs 1–3 are
	// mid-iteration (started 700 ms) when the target drops: they may finish by 1400 ms.
	sc := RampingVUs{StartVUs: 0, GracefulStop: 10 * time.Second, Stages: []Stage{
		{0, 4}, {time.Second, 4}, {0, 1}, {time.Second, 1},
	}}
	sc.GracefulRampDown = 200 * time.Millisecond
	completed, interrupted, _ := runClosed(t, sc, 700*time.Millisecond, 5*time.Second).snapshot()
	if len(completed) != 6 || len(interrupted) != 3 {
		t.Fatalf("gracefulRampDown 200ms: completed %d, interrupted %d; want 6 and 3", len(completed), len(interrupted))
	}
	for _, s := range interrupted {
		if s != (span{700 * time.Millisecond, 1200 * time.Millisecond}) {
			t.Fatalf("interrupted iteration %v..%v, want 700ms..1200ms", s.start, s.end)
		}
	}
	sc.GracefulRampDown = 500 * time.Millisecond
	completed, interrupted, _ = runClosed(t, sc, 700*time.Millisecond, 5*time.Second).snapshot()
	if len(completed) != 9 || len(interrupted) != 0 {
		t.Fatalf("gracefulRampDown 500ms: completed %d, interrupted %d; want 9 and 0", len(completed), len(interrupted))
	}
	if last := completed[len(completed)-1]; last != (span{1400 * time.Millisecond, 2100 * time.Millisecond}) {
		t.Fatalf("last iteration %v..%v, want VU 0's 1400ms..2100ms (inside gracefulStop)", last.start, last.end)
	}
}

func TestRampingVUsFollowTheTarget(t *testing.T) {
	// 1 → 5 VUs over 400 ms: VU k joins at k·100 ms and then runs 50 ms iterations until 1 s.
	sc := RampingVUs{StartVUs: 1, GracefulStop: time.Second, GracefulRampDown: time.Second,
		Stages: []Stage{{400 * time.Millisecond, 5}, {600 * time.Millisecond, 5}}}
	completed, _, _ := runClosed(t, sc, 50*time.Millisecond, 3*time.Second).snapshot()
	want := 20 + 18 + 16 + 14 + 12
	if len(completed) != want {
		t.Fatalf("completed %d, want %d", len(completed), want)
	}
}

func TestConstantArrivalRateDropsWhatItCannotStart(t *testing.T) {
	// 10/s for 1 s with 1 preallocated VU, at most 2, and 250 ms iterations:
	// due at 0..900 ms; 200, 500 and 800 ms find both VUs busy and are dropped.
	sc := ConstantArrivalRate{Rate: 10, TimeUnit: time.Second, Duration: time.Second,
		PreAllocatedVUs: 1, MaxVUs: 2, GracefulStop: 30 * time.Second}
	clk := newFakeClock()
	rec := &countingRecorder{}
	ex, err := newExecutor(sc, clk, sleepIteration(clk, 250*time.Millisecond), rec)
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
	completed, interrupted, dropped := rec.snapshot()
	var starts []time.Duration
	for _, s := range completed {
		starts = append(starts, s.start/time.Millisecond)
	}
	slices.Sort(starts)
	if want := []time.Duration{0, 100, 300, 400, 600, 700, 900}; !slices.Equal(starts, want) {
		t.Fatalf("started at %v ms, want %v", starts, want)
	}
	if dropped != 3 || len(interrupted) != 0 || rec.allocated != 2 {
		t.Fatalf("dropped %d, interrupted %d, allocated %d; want 3, 0, 2", dropped, len(interrupted), rec.allocated)
	}
}

func TestArrivalOffsetsAreExact(t *testing.T) {
	// 3 per second: 0, 333.333333ms, 666.666666ms — no drift accumulates over many iterations.
	if got := arrivalOffset(3000, 3, time.Second); got != 1000*time.Second {
		t.Fatalf("offset of iteration 3000 at 3/s = %v, want 1000s", got)
	}
	if got := arrivalOffset(1, 3, time.Second); got != 333333333*time.Nanosecond {
		t.Fatalf("offset of iteration 1 at 3/s = %v", got)
	}
}

func TestCancelInterruptsAtOnce(t *testing.T) {
	// Real time: an hour-long scenario whose iterations block until interrupted.
	sc := ConstantVUs{VUs: 4, Duration: time.Hour, GracefulStop: time.Hour}
	rec := &countingRecorder{}
	started := make(chan struct{}, 4)
	block := func(ctx context.Context, _ time.Time, _ int64) bool {
		started <- struct{}{}
		<-ctx.Done()
		return false
	}
	ex, _ := newExecutor(sc, RealClock{}, block, rec)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ex.run(ctx); close(done) }()
	for range 4 {
		<-started
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if _, interrupted, _ := rec.snapshot(); len(interrupted) != 4 {
		t.Fatalf("interrupted %d, want 4", len(interrupted))
	}
}

func TestArrivalRateRealTime(t *testing.T) {
	// 100/s for 300 ms with enough VUs: exactly 30 iterations, none dropped, each timed from its slot.
	sc := ConstantArrivalRate{Rate: 100, TimeUnit: time.Second, Duration: 300 * time.Millisecond,
		PreAllocatedVUs: 5, MaxVUs: 50, GracefulStop: 10 * time.Second}
	rec := &countingRecorder{}
	ex, _ := newExecutor(sc, RealClock{}, func(ctx context.Context, _ time.Time, _ int64) bool {
		time.Sleep(5 * time.Millisecond)
		return true
	}, rec)
	ex.run(context.Background())
	completed, _, dropped := rec.snapshot()
	if len(completed) != 30 || dropped != 0 {
		t.Fatalf("completed %d dropped %d, want 30 and 0", len(completed), dropped)
	}
}
