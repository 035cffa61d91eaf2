package stub

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestProcsPolicyNext(t *testing.T) {
	p := DefaultProcsPolicy(4)
	for _, c := range []struct {
		cur   int
		cores float64
		want  int
	}{
		{1, 0, 1},    // idle stays on one P
		{1, 0.49, 1}, // below the mark up
		{1, 0.5, 4},  // half a core on one P: every P back
		{4, 0.3, 4},  // between the marks: no change either way
		{4, 0.19, 1}, // quiet again
		{1, 0.3, 1},  // between the marks from below
		{4, 3.5, 4},  // busy stays busy
	} {
		if got := p.Next(c.cur, c.cores); got != c.want {
			t.Errorf("Next(%d, %.2f) = %d, want %d", c.cur, c.cores, got, c.want)
		}
	}
	if got := DefaultProcsPolicy(1).Next(1, 5); got != 1 {
		t.Errorf("a one-CPU machine: Next = %d, want 1", got)
	}
}

// TestAdaptProcsFollowsTheLoad drives the controller with a CPU clock that a
// test moves: a busy stretch raises GOMAXPROCS, a quiet one lowers it, and the
// end of the context restores the maximum.
func TestAdaptProcsFollowsTheLoad(t *testing.T) {
	var busy atomic.Bool
	var used atomic.Int64
	cpu := func() time.Duration {
		if busy.Load() {
			used.Add(int64(time.Second)) // far above any mark, whatever the interval
		}
		return time.Duration(used.Load())
	}
	sets := make(chan int, 16)
	set := func(n int) int { sets <- n; return 0 }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		adaptProcs(ctx, DefaultProcsPolicy(2), time.Millisecond, cpu, set, nil)
	}()
	expect := func(want int, why string) {
		t.Helper()
		select {
		case got := <-sets:
			if got != want {
				t.Fatalf("%s: GOMAXPROCS set to %d, want %d", why, got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: GOMAXPROCS never set to %d", why, want)
		}
	}
	expect(1, "at start, idle")
	busy.Store(true)
	expect(2, "busy")
	busy.Store(false)
	expect(1, "quiet again")
	cancel()
	expect(2, "stopped")
	<-done
}
