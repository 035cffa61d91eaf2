package load

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ConstantArrivalRate is k6's constant-arrival-rate executor: Rate iterations per TimeUnit
// for Duration, started on time whatever the server's latency (the open model), on
// PreAllocatedVUs VUs and more up to MaxVUs.
type ConstantArrivalRate struct {
	Rate            int // iterations per TimeUnit
	TimeUnit        time.Duration
	Duration        time.Duration
	PreAllocatedVUs int
	MaxVUs          int // 0 means PreAllocatedVUs
	GracefulStop    time.Duration
	Arrival         ArrivalProcess // how the arrivals are spaced (the file's "arrival"); zero: evenly, as k6

	arrivals *arrivals // in a segment (InSegment): the iterations this instance starts
}

func (ConstantArrivalRate) Executor() string        { return ExecConstantArrivalRate }
func (s ConstantArrivalRate) Length() time.Duration { return s.Duration }
func (s ConstantArrivalRate) MaxVUCount() int       { return max(s.MaxVUs, s.PreAllocatedVUs) }

// InSegment scales preAllocatedVUs and maxVUs and starts only the iterations striped to the
// segment (see arrivalsFor); a random arrival process is the whole run's, thinned to them
// (arrivalDue).
func (s ConstantArrivalRate) InSegment(seg *Segment) (Scenario, error) {
	if seg == nil {
		return s, nil
	}
	maxVUs := max(s.MaxVUs, s.PreAllocatedVUs)
	a, err := seg.arrivalsFor(maxVUs)
	if err != nil {
		return s, err
	}
	s.arrivals = &a
	s.PreAllocatedVUs, s.MaxVUs = seg.Scale(s.PreAllocatedVUs), seg.Scale(maxVUs)
	return s, nil
}

// Quick scales the duration and the graceful stop; the rate stays.
func (s ConstantArrivalRate) Quick(factor float64) Scenario {
	s.Duration = quickScale(s.Duration, factor)
	s.GracefulStop = quickScale(s.GracefulStop, factor)
	return s
}

func (s ConstantArrivalRate) newExecutor(clock Clock, iterate iterateFunc, rec recorder) executor {
	return newArrivalExecutor(clock, iterate, rec, s)
}

func parseArrivalRate(f *fieldReader, gracefulStop time.Duration) (Scenario, error) {
	sc := ConstantArrivalRate{GracefulStop: gracefulStop}
	var err error
	if _, ok := f.fields["rate"]; !ok {
		return nil, fmt.Errorf("%s.rate: missing", f.path)
	}
	if sc.Rate, err = f.count("rate", 0, 1); err != nil {
		return nil, err
	}
	if sc.TimeUnit, err = f.duration("timeUnit", defaultTimeUnit, false); err != nil {
		return nil, err
	}
	if sc.TimeUnit <= 0 {
		return nil, fmt.Errorf("%s.timeUnit: must be positive", f.path)
	}
	if sc.Duration, err = f.requiredDuration("duration"); err != nil {
		return nil, err
	}
	if _, ok := f.fields["preAllocatedVUs"]; !ok {
		return nil, fmt.Errorf("%s.preAllocatedVUs: missing", f.path)
	}
	if sc.PreAllocatedVUs, err = f.count("preAllocatedVUs", 0, 1); err != nil {
		return nil, err
	}
	if sc.MaxVUs, err = f.count("maxVUs", sc.PreAllocatedVUs, 1); err != nil {
		return nil, err
	}
	if sc.MaxVUs < sc.PreAllocatedVUs {
		return nil, fmt.Errorf("%s.maxVUs: %d is less than preAllocatedVUs %d", f.path, sc.MaxVUs, sc.PreAllocatedVUs)
	}
	return sc, nil
}

// arrivalOffset is when the i-th iteration of a constant-arrival-rate scenario is due.
func arrivalOffset(i int, rate int, timeUnit time.Duration) time.Duration {
	return time.Duration(int64(i) * int64(timeUnit) / int64(rate))
}

// arrivalExecutor is k6's open model, which ConstantArrivalRate runs on: iterations start at
// their due times (evenly spaced, or drawn by the scenario's ArrivalProcess) whatever the
// server's latency. An iteration due when no VU is free gets a new VU, up to
// maxVUs; past that it is dropped and counted, never queued — queueing would hide latency
// (coordinated omission).
type arrivalExecutor struct {
	clock    Clock
	iterate  iterateFunc
	rec      recorder
	sc       ConstantArrivalRate
	inflight *inflight
	wg       sync.WaitGroup
	stop     chan struct{}

	mu   sync.Mutex
	idle []*arrivalVU
	all  int
	busy int
}

type arrivalVU struct {
	id   int
	work chan arrivalDueAt
}

// arrivalDueAt is one arrival handed to a VU: when it was due and its number.
type arrivalDueAt struct {
	at      time.Time
	arrival int64
}

func newArrivalExecutor(clock Clock, iterate iterateFunc, rec recorder, sc ConstantArrivalRate) *arrivalExecutor {
	return &arrivalExecutor{clock: clock, iterate: iterate, rec: rec, sc: sc,
		inflight: newInflight(), stop: make(chan struct{})}
}

func (e *arrivalExecutor) run(ctx context.Context) {
	start := e.clock.Now()
	e.mu.Lock()
	for range e.sc.PreAllocatedVUs {
		e.idle = append(e.idle, e.spawn(ctx))
	}
	e.rec.setVUs(e.all, e.all)
	e.mu.Unlock()
	mine := allArrivals
	if e.sc.arrivals != nil {
		mine = *e.sc.arrivals
	}
	due := newArrivalDue(e.sc)
	for k := 0; ; k++ {
		i, ok := mine.nth(k) // the global iteration: a segment's due times interleave with the others'
		if !ok {
			break
		}
		off := due.offset(i)
		if off >= e.sc.Duration || !sleepUntil(e.clock, start.Add(off), ctx.Done()) {
			break
		}
		e.dispatch(ctx, arrivalDueAt{at: start.Add(off), arrival: int64(i)})
	}
	sleepUntil(e.clock, start.Add(e.sc.Duration), ctx.Done())
	close(e.stop)
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	gracefulStop(ctx, e.clock, e.sc.GracefulStop, done, e.inflight)
}

// dispatch hands the iteration due at d.at to a free VU, a new one, or drops it.
func (e *arrivalExecutor) dispatch(ctx context.Context, d arrivalDueAt) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var v *arrivalVU
	switch {
	case len(e.idle) > 0:
		v = e.idle[len(e.idle)-1]
		e.idle = e.idle[:len(e.idle)-1]
	case e.all < e.sc.MaxVUs:
		v = e.spawn(ctx)
		e.rec.setVUs(e.all, e.all)
	default:
		e.rec.iterationDropped()
		return
	}
	e.busy++
	v.work <- d
}

// spawn starts a VU goroutine; the caller holds e.mu.
func (e *arrivalExecutor) spawn(ctx context.Context) *arrivalVU {
	v := &arrivalVU{id: e.all, work: make(chan arrivalDueAt, 1)}
	e.all++
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.vu(ctx, v)
	}()
	return v
}

func (e *arrivalExecutor) vu(ctx context.Context, v *arrivalVU) {
	for {
		var d arrivalDueAt
		select {
		case d = <-v.work:
		case <-e.stop:
			select { // work handed over just before the stop still runs
			case d = <-v.work:
			default:
				return
			}
		}
		ictx := e.inflight.begin(ctx, v.id, d.at)
		completed := e.iterate(ictx, d.at, d.arrival)
		e.inflight.end(v.id)
		e.rec.iterationDone(d.at, e.clock.Now(), completed)
		e.mu.Lock()
		e.busy--
		e.idle = append(e.idle, v)
		e.mu.Unlock()
	}
}
