package load

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// iterateFunc runs one iteration. scheduled is when it was due to start: latencies are timed
// from it, so that a late start (open model) shows up as latency rather than disappearing.
// It returns false when ctx interrupted it before its end.
type iterateFunc func(ctx context.Context, scheduled time.Time) bool

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

func newExecutor(sc Scenario, clock Clock, iterate iterateFunc, rec recorder) (executor, error) {
	switch sc.Executor {
	case ExecConstantVUs:
		return newClosedExecutor(clock, iterate, rec,
			[]step{{at: 0, target: sc.VUs}}, sc.Duration, 0, sc.GracefulStop), nil
	case ExecRampingVUs:
		return newClosedExecutor(clock, iterate, rec,
			rampingSteps(sc.StartVUs, sc.Stages), sc.Length(), sc.GracefulRampDown, sc.GracefulStop), nil
	case ExecConstantArrivalRate:
		return newArrivalExecutor(clock, iterate, rec, sc), nil
	default:
		return nil, fmt.Errorf("unknown executor %q", sc.Executor)
	}
}

// inflight tracks the iterations in progress so that a graceful stop can interrupt the late ones.
type inflight struct {
	mu      sync.Mutex
	cancels map[int]context.CancelFunc
	started map[int]time.Time
}

func newInflight() *inflight {
	return &inflight{cancels: map[int]context.CancelFunc{}, started: map[int]time.Time{}}
}

func (f *inflight) begin(ctx context.Context, vu int, at time.Time) context.Context {
	ictx, cancel := context.WithCancel(ctx)
	f.mu.Lock()
	f.cancels[vu], f.started[vu] = cancel, at
	f.mu.Unlock()
	return ictx
}

func (f *inflight) end(vu int) {
	f.mu.Lock()
	cancel := f.cancels[vu]
	delete(f.cancels, vu)
	delete(f.started, vu)
	f.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// interrupt cancels the iterations of the VUs that match, started at or before since.
func (f *inflight) interrupt(match func(vu int) bool, since time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for vu, cancel := range f.cancels {
		if match(vu) && !f.started[vu].After(since) {
			cancel()
		}
	}
}

// gracefulStop waits up to grace for the VUs to finish (done closes), then interrupts the rest.
func gracefulStop(ctx context.Context, clock Clock, grace time.Duration, done <-chan struct{}, f *inflight) {
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
