package load

import (
	"context"
	"errors"
	"sync"
	"time"
)

// iterateFunc runs one iteration. scheduled is when it was due to start: latencies are timed
// from it, so that a late start (open model) shows up as latency rather than disappearing.
// arrival is its number in the arrival-rate executor's schedule of the whole run (the same
// arrival on every server and in every segment), noArrival for the closed executors.
// It returns false when ctx interrupted it before its end.
type iterateFunc func(ctx context.Context, scheduled time.Time, arrival int64) bool

// recorder receives what the executors observe about iterations and VUs.
type recorder interface {
	iterationDone(scheduled, end time.Time, completed bool)
	iterationDropped()
	setVUs(active, allocated int)
}

// executor runs one scenario to its end (or until ctx is cancelled, which interrupts at once).
type executor interface {
	run(ctx context.Context)
}

// newExecutor builds the executor of sc, which schedules its iterations.
func newExecutor(sc Scenario, clock Clock, iterate iterateFunc, rec recorder) (executor, error) {
	if sc == nil {
		return nil, errors.New("load: no scenario")
	}
	return sc.newExecutor(clock, iterate, rec), nil
}

// inflight tracks the iterations in progress so that a graceful stop can interrupt the late ones.
// Each VU keeps its cancellable context from one iteration to the next until it is actually
// cancelled: deriving a fresh one per iteration would cost an allocation and a registration
// with the shared parent context on every stream.
type inflight struct {
	mu  sync.Mutex
	vus []vuSlot // by VU id
}

type vuSlot struct {
	ctx     context.Context
	cancel  context.CancelFunc
	started time.Time
	running bool
}

func newInflight() *inflight { return &inflight{} }

func (f *inflight) begin(ctx context.Context, vu int, at time.Time) context.Context {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.vus) <= vu {
		f.vus = append(f.vus, vuSlot{})
	}
	s := &f.vus[vu]
	if s.ctx == nil || s.ctx.Err() != nil {
		if s.cancel != nil {
			s.cancel()
		}
		s.ctx, s.cancel = context.WithCancel(ctx)
	}
	s.started, s.running = at, true
	return s.ctx
}

func (f *inflight) end(vu int) {
	f.mu.Lock()
	f.vus[vu].running = false
	f.mu.Unlock()
}

// interrupt cancels the iterations of the VUs that match, started at or before since.
func (f *inflight) interrupt(match func(vu int) bool, since time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for vu := range f.vus {
		if s := &f.vus[vu]; s.running && match(vu) && !s.started.After(since) {
			s.cancel()
		}
	}
}

// release cancels every VU's context once no iteration runs any more, detaching them from the parent.
func (f *inflight) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.vus {
		if s.cancel != nil {
			s.cancel()
		}
	}
	f.vus = nil
}

// gracefulStop waits up to grace for the VUs to finish (done closes), then interrupts the rest.
func gracefulStop(ctx context.Context, clock Clock, grace time.Duration, done <-chan struct{}, f *inflight) {
	defer f.release() // every return comes after done
	t := clock.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C():
	case <-ctx.Done():
	}
	f.interrupt(func(int) bool { return true }, clock.Now())
	<-done
}
