package load

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeClock moves only when a test advances it. It fires timers one at a time, in deadline
// order, and after each one waits for the test's settle condition: the executors' goroutines
// react to a timer concurrently, and the next timer must not fire before they have.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers []*fakeTimer
}

type fakeTimer struct {
	clock *fakeClock
	at    time.Time
	seq   int
	ch    chan time.Time
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newFakeClock() *fakeClock { return &fakeClock{now: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{clock: c, at: c.now.Add(d), seq: c.seq, ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return true
		}
	}
	return false
}

// Pending is how many timers wait to fire.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// AdvanceTo fires every timer due up to `to`, one at a time, calling settle after each.
func (c *fakeClock) AdvanceTo(t *testing.T, to time.Duration, settle func() bool) {
	t.Helper()
	waitFor(t, settle)
	for {
		c.mu.Lock()
		sort.Slice(c.timers, func(i, j int) bool {
			if !c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].at.Before(c.timers[j].at)
			}
			return c.timers[i].seq < c.timers[j].seq
		})
		if len(c.timers) == 0 || c.timers[0].at.After(epoch.Add(to)) {
			c.now = epoch.Add(to)
			c.mu.Unlock()
			return
		}
		next := c.timers[0]
		c.timers = c.timers[1:]
		c.now = next.at
		c.mu.Unlock()
		next.ch <- next.at
		waitFor(t, settle)
	}
}

// waitFor polls cond with a generous deadline: the machine may be loaded.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 20s")
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// sleepIteration is a fake iteration that takes d on the clock, or ends early when interrupted.
func sleepIteration(c Clock, d time.Duration) iterateFunc {
	return func(ctx context.Context, _ time.Time, _ int64) bool {
		tm := c.NewTimer(d)
		select {
		case <-tm.C():
			return true
		case <-ctx.Done():
			tm.Stop()
			return false
		}
	}
}

// countingRecorder records what executors report, with times as offsets from epoch.
type countingRecorder struct {
	mu          sync.Mutex
	completed   []span
	interrupted []span
	dropped     int
	maxActive   int
	allocated   int
}

type span struct{ start, end time.Duration }

func (r *countingRecorder) iterationDone(scheduled, end time.Time, completed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := span{scheduled.Sub(epoch), end.Sub(epoch)}
	if completed {
		r.completed = append(r.completed, s)
	} else {
		r.interrupted = append(r.interrupted, s)
	}
}

func (r *countingRecorder) iterationDropped() {
	r.mu.Lock()
	r.dropped++
	r.mu.Unlock()
}

func (r *countingRecorder) setVUs(active, allocated int) {
	r.mu.Lock()
	r.maxActive = max(r.maxActive, active)
	r.allocated = allocated
	r.mu.Unlock()
}

func (r *countingRecorder) snapshot() (completed, interrupted []span, dropped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]span(nil), r.completed...), append([]span(nil), r.interrupted...), r.dropped
}
