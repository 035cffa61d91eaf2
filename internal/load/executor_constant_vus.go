package load

import "time"

// ConstantVUs is k6's constant-vus executor: VUs virtual users, each running one iteration
// after another for Duration (the closed model, executor_closed.go).
type ConstantVUs struct {
	VUs          int
	Duration     time.Duration
	GracefulStop time.Duration
}

func (ConstantVUs) Executor() string        { return ExecConstantVUs }
func (s ConstantVUs) Length() time.Duration { return s.Duration }
func (s ConstantVUs) MaxVUCount() int       { return s.VUs }

// InSegment scales the VUs.
func (s ConstantVUs) InSegment(seg *Segment) (Scenario, error) {
	s.VUs = seg.Scale(s.VUs)
	return s, nil
}

func (s ConstantVUs) Quick(factor float64) Scenario {
	s.Duration = quickScale(s.Duration, factor)
	s.GracefulStop = quickScale(s.GracefulStop, factor)
	return s
}

func (s ConstantVUs) newExecutor(clock Clock, iterate iterateFunc, rec recorder) executor {
	return newClosedExecutor(clock, iterate, rec, []step{{at: 0, target: s.VUs}}, s.Duration, 0, s.GracefulStop)
}

func parseConstantVUs(f *fieldReader, gracefulStop time.Duration) (Scenario, error) {
	sc := ConstantVUs{GracefulStop: gracefulStop}
	var err error
	if sc.VUs, err = f.count("vus", 1, 1); err != nil {
		return nil, err
	}
	if sc.Duration, err = f.requiredDuration("duration"); err != nil {
		return nil, err
	}
	return sc, nil
}
