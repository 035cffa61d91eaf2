package load

import (
	"encoding/json"
	"fmt"
	"time"
)

// RampingVUs is k6's ramping-vus executor: the VU target starts at StartVUs and moves
// linearly through the stages; VUs above a lowered target finish their iteration, or are
// interrupted GracefulRampDown after the target dropped (the closed model, executor_closed.go).
type RampingVUs struct {
	StartVUs         int
	Stages           []Stage
	GracefulRampDown time.Duration
	GracefulStop     time.Duration

	vuShare *Segment // in a segment (InSegment): every step's target is scaled by it
}

// Stage is one leg of a ramping-vus scenario: the VU target moves linearly to Target over Duration.
type Stage struct {
	Duration time.Duration
	Target   int
}

func (RampingVUs) Executor() string { return ExecRampingVUs }

func (s RampingVUs) Length() time.Duration {
	var total time.Duration
	for _, st := range s.Stages {
		total += st.Duration
	}
	return total
}

func (s RampingVUs) MaxVUCount() int {
	most := s.StartVUs
	for _, st := range s.Stages {
		most = max(most, st.Target)
	}
	return s.vuShare.Scale(most) // scaling is monotonic: the largest share is the largest target's
}

// InSegment scales the VU target at every step of the ramp.
func (s RampingVUs) InSegment(seg *Segment) (Scenario, error) {
	if seg != nil {
		s.vuShare = seg
	}
	return s, nil
}

func (s RampingVUs) Quick(factor float64) Scenario {
	s.GracefulRampDown = quickScale(s.GracefulRampDown, factor)
	s.GracefulStop = quickScale(s.GracefulStop, factor)
	stages := make([]Stage, len(s.Stages))
	for i, st := range s.Stages {
		stages[i] = Stage{Duration: quickScale(st.Duration, factor), Target: st.Target}
	}
	s.Stages = stages
	return s
}

func (s RampingVUs) newExecutor(clock Clock, iterate iterateFunc, rec recorder) executor {
	return newClosedExecutor(clock, iterate, rec, scaleSteps(rampingSteps(s.StartVUs, s.Stages), s.vuShare),
		s.Length(), s.GracefulRampDown, s.GracefulStop)
}

// rampingSteps turns ramping-vus stages into the times at which the VU target changes by one,
// the way k6 plans them: within a stage from a to b over d the target is
// a + trunc((b-a)·t/d), so VU v (counting from a) is reached at ceil((v-a)·d/(b-a)).
func rampingSteps(startVUs int, stages []Stage) []step {
	steps := []step{{at: 0, target: startVUs}}
	from, offset := startVUs, time.Duration(0)
	for _, st := range stages {
		if st.Duration == 0 {
			steps = append(steps, step{at: offset, target: st.Target})
		}
		dist := abs(st.Target - from)
		for k := 1; st.Duration > 0 && k <= dist; k++ {
			at := offset + ceilDiv(time.Duration(k)*st.Duration, time.Duration(dist))
			target := from + k
			if st.Target < from {
				target = from - k
			}
			steps = append(steps, step{at: at, target: target})
		}
		from, offset = st.Target, offset+st.Duration
	}
	return steps
}

// scaleSteps is a segment's share of the steps: each target scaled, the steps that leave the
// segment's share unchanged left out. Since the shares of all segments sum to the target at
// every step, the instances' VUs sum to the unsegmented run's at every moment.
func scaleSteps(steps []step, seg *Segment) []step {
	if seg == nil {
		return steps
	}
	out := []step{{at: steps[0].at, target: seg.Scale(steps[0].target)}}
	for _, s := range steps[1:] {
		if t := seg.Scale(s.target); t != out[len(out)-1].target {
			out = append(out, step{at: s.at, target: t})
		}
	}
	return out
}

// targetAt is the VU target at offset t, by the same arithmetic as rampingSteps.
func targetAt(startVUs int, stages []Stage, t time.Duration) int {
	from, offset := startVUs, time.Duration(0)
	for _, st := range stages {
		if t < offset+st.Duration {
			elapsed := t - offset
			return from + int(time.Duration(st.Target-from)*elapsed/st.Duration)
		}
		from, offset = st.Target, offset+st.Duration
	}
	return from
}

func ceilDiv(a, b time.Duration) time.Duration { return (a + b - 1) / b }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func parseRampingVUs(f *fieldReader, gracefulStop time.Duration) (Scenario, error) {
	sc := RampingVUs{GracefulStop: gracefulStop}
	var err error
	if sc.StartVUs, err = f.count("startVUs", 1, 0); err != nil {
		return nil, err
	}
	if sc.GracefulRampDown, err = f.duration("gracefulRampDown", defaultGracefulRampDown, false); err != nil {
		return nil, err
	}
	raw, ok := f.fields["stages"]
	if !ok {
		return nil, fmt.Errorf("%s.stages: missing", f.path)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s.stages: want an array of {duration, target}", f.path)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s.stages: empty", f.path)
	}
	for i, item := range items {
		st, err := parseStage(item, fmt.Sprintf("%s.stages[%d]", f.path, i))
		if err != nil {
			return nil, err
		}
		sc.Stages = append(sc.Stages, st)
	}
	if sc.Length() <= 0 {
		return nil, fmt.Errorf("%s.stages: total duration must be positive", f.path)
	}
	return sc, nil
}

func parseStage(raw json.RawMessage, path string) (Stage, error) {
	fields, err := objectFields(raw, path)
	if err != nil {
		return Stage{}, err
	}
	f := fieldReader{fields: fields, path: path}
	if err := f.onlyKnown([]string{"duration", "target"}); err != nil {
		return Stage{}, err
	}
	if _, ok := fields["target"]; !ok {
		return Stage{}, fmt.Errorf("%s.target: missing", path)
	}
	var st Stage
	if st.Duration, err = f.duration("duration", 0, true); err != nil {
		return Stage{}, err
	}
	st.Target, err = f.count("target", 0, 0)
	return st, err
}
