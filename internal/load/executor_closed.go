package load

import (
	"context"
	"sort"
	"sync"
	"time"
)

// step is a change of the VU target at an offset from the scenario's start: ConstantVUs has
// one, RampingVUs one per VU of its ramp (rampingSteps).
type step struct {
	at     time.Duration
	target int
}

// closedExecutor is k6's closed model, which ConstantVUs and RampingVUs run on: each active
// VU runs one iteration after another. VU i is active while i < target. A VU above a lowered
// target ends after its current iteration, or is interrupted gracefulRampDown after the
// target dropped.
type closedExecutor struct {
	clock            Clock
	iterate          iterateFunc
	rec              recorder
	steps            []step
	length           time.Duration
	gracefulRampDown time.Duration
	gracefulStop     time.Duration
	maxVUs           int
	inflight         *inflight
	deadline         time.Time // no iteration starts at or after it

	mu      sync.Mutex
	cond    *sync.Cond
	target  int
	stopped bool
	parked  []bool
	active  int // VUs not parked: running an iteration or about to
}

func newClosedExecutor(clock Clock, iterate iterateFunc, rec recorder, steps []step,
	length, gracefulRampDown, gracefulStop time.Duration) *closedExecutor {
	most := 0
	for _, s := range steps {
		most = max(most, s.target)
	}
	e := &closedExecutor{clock: clock, iterate: iterate, rec: rec, steps: steps, length: length,
		gracefulRampDown: gracefulRampDown, gracefulStop: gracefulStop, maxVUs: most, inflight: newInflight()}
	e.cond = sync.NewCond(&e.mu)
	e.parked = make([]bool, most)
	for i := range e.parked {
		e.parked[i] = true
	}
	return e
}

// event is one thing the controller does at an offset: a new target, or interrupting VUs
// that were ramped down gracefulRampDown ago.
type event struct {
	at        time.Duration
	target    int
	interrupt bool
	since     time.Duration // interrupt: iterations started at or before this offset
	fromVU    int           // interrupt: VUs from this index up
}

func (e *closedExecutor) events() []event {
	var evs []event
	prev := 0
	for _, s := range e.steps {
		if s.at > e.length {
			break
		}
		evs = append(evs, event{at: s.at, target: s.target})
		if s.target < prev && s.at+e.gracefulRampDown < e.length {
			evs = append(evs, event{at: s.at + e.gracefulRampDown, interrupt: true, since: s.at, fromVU: s.target})
		}
		prev = s.target
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at < evs[j].at })
	return evs
}

func (e *closedExecutor) run(ctx context.Context) {
	start := e.clock.Now()
	e.deadline = start.Add(e.length)
	e.rec.setVUs(0, e.maxVUs)
	var wg sync.WaitGroup
	for i := 0; i < e.maxVUs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.vu(ctx, i)
		}()
	}
	for _, ev := range e.events() {
		if !sleepUntil(e.clock, start.Add(ev.at), ctx.Done()) {
			break
		}
		if ev.interrupt {
			e.interruptAbove(ev.fromVU, start.Add(ev.since))
		} else {
			e.setTarget(ev.target)
		}
	}
	sleepUntil(e.clock, start.Add(e.length), ctx.Done())
	e.mu.Lock()
	e.stopped = true
	e.cond.Broadcast()
	e.mu.Unlock()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	gracefulStop(ctx, e.clock, e.gracefulStop, done, e.inflight)
	e.rec.setVUs(0, e.maxVUs)
}

func (e *closedExecutor) setTarget(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.target = n
	for i := 0; i < n; i++ {
		if e.parked[i] {
			e.parked[i] = false
			e.active++
		}
	}
	e.rec.setVUs(e.active, e.maxVUs)
	e.cond.Broadcast()
}

func (e *closedExecutor) interruptAbove(fromVU int, since time.Time) {
	e.mu.Lock()
	target := e.target
	e.mu.Unlock()
	e.inflight.interrupt(func(vu int) bool { return vu >= fromVU && vu >= target }, since)
}

// vu is one virtual user's loop. The executor's lock is held except while iterating.
func (e *closedExecutor) vu(ctx context.Context, id int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		for e.parked[id] && !e.stopped {
			e.cond.Wait()
		}
		now := e.clock.Now() // both the deadline check and the start: one clock read
		if e.stopped || ctx.Err() != nil || id >= e.target || !now.Before(e.deadline) {
			if !e.parked[id] {
				e.parked[id] = true
				e.active--
				e.rec.setVUs(e.active, e.maxVUs)
			}
			if e.stopped || ctx.Err() != nil {
				return
			}
			continue
		}
		started := now
		ictx := e.inflight.begin(ctx, id, started)
		e.mu.Unlock()
		completed := e.iterate(ictx, started, noArrival)
		e.inflight.end(id)
		e.rec.iterationDone(started, e.clock.Now(), completed)
		e.mu.Lock()
	}
}
