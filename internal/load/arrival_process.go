package load

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// ArrivalProcess is how a constant-arrival-rate scenario spaces its arrivals, an ssebench
// extension of k6's scenario format ("arrival" in k6/scenarios.json). Real users do not
// arrive on a metronome: Poisson arrivals (independent users) and burstier ones (a gamma
// process, cv > 1) pile streams up at moments where evenly spaced ones never would, and a
// proxy's queues and pools see those piles. The mean rate is the scenario's Rate per
// TimeUnit whatever the process. The zero value is k6's constant spacing.
type ArrivalProcess struct {
	Process string  // ArrivalConstant ("" too), ArrivalPoisson or ArrivalGamma
	CV      float64 // coefficient of variation of the gaps: gamma's own; 1 for poisson, 0 for constant
	// Seed draws the gaps (poisson, gamma); 0 takes one from the time when the run starts
	// (seededArrivals), which the summary prints so that the run can be drawn again.
	Seed uint64
}

// Arrival processes, as the scenario file names them.
const (
	ArrivalConstant = "constant" // k6's: arrival i due at i·timeUnit/rate exactly
	ArrivalPoisson  = "poisson"  // exponential gaps: independent users (cv 1)
	ArrivalGamma    = "gamma"    // gamma gaps of any cv: bursty above 1, steadier below
)

// maxArrivalCV bounds gamma's cv. Over a run of n expected arrivals the count's relative
// spread is about cv/√n; far above 10 nearly all of a run's arrivals come in a few bursts
// and its achieved rate says little about the asked one.
const maxArrivalCV = 10

// random reports whether the process draws its gaps (and so needs a seed).
func (p ArrivalProcess) random() bool {
	return p.Process == ArrivalPoisson || p.Process == ArrivalGamma
}

// String is the process as the summary prints it: "constant", "poisson" or "gamma cv=2".
func (p ArrivalProcess) String() string {
	switch p.Process {
	case ArrivalPoisson:
		return ArrivalPoisson
	case ArrivalGamma:
		return ArrivalGamma + " cv=" + strconv.FormatFloat(p.CV, 'g', -1, 64)
	}
	return ArrivalConstant
}

// seededArrivals gives sc's random arrival process a seed from now when its file gave none,
// so that the summary can print the one the run used (arrivalSummary). Any other scenario
// comes back as it was.
func seededArrivals(sc Scenario, now time.Time) Scenario {
	ar, ok := sc.(ConstantArrivalRate)
	if !ok || !ar.Arrival.random() || ar.Arrival.Seed != 0 {
		return sc
	}
	ar.Arrival.Seed = max(1, uint64(now.UnixNano()))
	return ar
}

// arrivalDue yields when a scenario's arrivals are due, as offsets from its start, by
// their global index 0, 1, 2, … — the index execution segments stripe (arrivals.nth).
//
// Segments share one process: every instance draws the same seeded gaps, one per global
// arrival, and starts only the arrivals striped to it, skipping the others' gaps. So the
// instances of a split run together start exactly the whole run's arrivals (given the same
// seed: with none in the file each instance draws its own from the time, and they only add
// up to the right rate).
type arrivalDue struct {
	rate     int
	timeUnit time.Duration
	gaps     *gapSampler // nil: constant spacing

	next int     // random: the global index of the next arrival to draw
	at   float64 // random: the offset of arrival next-1, in nanoseconds (0 before the first)
}

func newArrivalDue(sc ConstantArrivalRate) *arrivalDue {
	s := &arrivalDue{rate: sc.Rate, timeUnit: sc.TimeUnit}
	if p := sc.Arrival; p.random() {
		mean := float64(sc.TimeUnit) / float64(sc.Rate)
		rng := rand.New(rand.NewPCG(p.Seed, arrivalStream))
		if p.Process == ArrivalPoisson {
			s.gaps = newExponentialGaps(rng, mean)
		} else {
			s.gaps = newGammaGaps(rng, mean, p.CV)
		}
	}
	return s
}

// arrivalStream is the PCG's second word: the gaps' stream stays apart from the cancelling
// clients' moments even when both are given the same seed.
const arrivalStream = 0x6172726976616c73 // "arrivals"

// offset is when global arrival i is due. Calls must not go back: i at least the last i.
// A random process's first arrival comes one gap after the start, as a process already
// running would show it, so that n gaps fit n arrivals into the duration on average.
func (s *arrivalDue) offset(i int) time.Duration {
	if s.gaps == nil {
		return arrivalOffset(i, s.rate, s.timeUnit)
	}
	for ; s.next <= i; s.next++ {
		s.at += s.gaps.next()
	}
	return time.Duration(s.at)
}
