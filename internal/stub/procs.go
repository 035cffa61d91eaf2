package stub

import (
	"context"
	"log/slog"
	"runtime"
	"syscall"
	"time"
)

// The stub spends most of a lightly loaded stream waking up: every timer that
// fires and every socket that turns ready makes the Go scheduler wake an idle
// P's thread, which spins, finds nothing and sleeps again. With one P there is
// no idle P to wake. Measured at 300 streams/s (the efficiency scenario's rate):
// 750 µs of CPU per stream with 2 Ps, 320 µs with 1. Under a stress load one P
// caps the stub near 4,000 streams/s where two reach 6,500, so the stub keeps
// one P while it is lightly loaded and takes them all back when it is busy.

// ProcsPolicy decides GOMAXPROCS from the CPU the stub used over the last interval.
type ProcsPolicy struct {
	Max  int     // GOMAXPROCS when busy: the machine's (or $GOMAXPROCS's) value
	Up   float64 // cores used, with one P, at or above which every P is given back
	Down float64 // cores used, with every P, below which the stub goes back to one
}

// DefaultProcsPolicy gives back every P when one P is half busy and returns to
// one when the stub uses less than a fifth of a core: the gap keeps a load near
// either mark from switching back and forth.
func DefaultProcsPolicy(max int) ProcsPolicy {
	return ProcsPolicy{Max: max, Up: 0.5, Down: 0.2}
}

// Next is the GOMAXPROCS to run with after an interval that used cores CPUs at cur.
func (p ProcsPolicy) Next(cur int, cores float64) int {
	if p.Max <= 1 {
		return 1
	}
	if cur <= 1 && cores >= p.Up {
		return p.Max
	}
	if cur > 1 && cores < p.Down {
		return 1
	}
	return cur
}

// AdaptProcs applies the policy every interval until ctx ends, then restores
// the maximum. A change is rare (a load starting or ending), and
// runtime.GOMAXPROCS stops the world for microseconds, so it is cheap.
func AdaptProcs(ctx context.Context, p ProcsPolicy, interval time.Duration, logger *slog.Logger) {
	adaptProcs(ctx, p, interval, processCPU, runtime.GOMAXPROCS, logger)
}

func adaptProcs(ctx context.Context, p ProcsPolicy, interval time.Duration, cpu func() time.Duration, set func(int) int, logger *slog.Logger) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cur := p.Next(p.Max, 0)
	set(cur)
	defer set(p.Max)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	lastCPU, lastAt := cpu(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			used := cpu()
			cores := (used - lastCPU).Seconds() / now.Sub(lastAt).Seconds()
			lastCPU, lastAt = used, now
			if next := p.Next(cur, cores); next != cur {
				logger.Debug("GOMAXPROCS changed", "from", cur, "to", next, "cores_used", cores)
				set(next)
				cur = next
			}
		}
	}
}

// processCPU is the user and system CPU time of the whole process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
