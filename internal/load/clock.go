package load

import "time"

// Clock is the time source of the executors. It exists so that their arithmetic — stage
// targets over time, graceful stops, arrival schedules — can be tested on a fake clock.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the executors use.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer returns a real timer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// sleepUntil waits until the clock reaches at, or ctx-like done closes; it reports whether at was reached.
func sleepUntil(c Clock, at time.Time, done <-chan struct{}) bool {
	d := at.Sub(c.Now())
	if d <= 0 {
		return true
	}
	t := c.NewTimer(d)
	select {
	case <-t.C():
		return true
	case <-done:
		t.Stop()
		return false
	}
}
