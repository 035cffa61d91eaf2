package load

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"
)

// Executor names, as k6 spells them.
const (
	ExecConstantVUs         = "constant-vus"
	ExecRampingVUs          = "ramping-vus"
	ExecConstantArrivalRate = "constant-arrival-rate"
)

// k6's defaults for the fields a scenario may leave out.
const (
	defaultGracefulStop     = 30 * time.Second
	defaultGracefulRampDown = 30 * time.Second
	defaultTimeUnit         = time.Second
)

// Scenario is one entry of k6's options.scenarios, restricted to the executors ssebench runs.
type Scenario struct {
	Executor         string
	VUs              int           // constant-vus
	Duration         time.Duration // constant-vus, constant-arrival-rate
	StartVUs         int           // ramping-vus
	Stages           []Stage       // ramping-vus
	GracefulRampDown time.Duration // ramping-vus
	GracefulStop     time.Duration // every executor
	Rate             int           // constant-arrival-rate: iterations per TimeUnit
	TimeUnit         time.Duration // constant-arrival-rate
	PreAllocatedVUs  int           // constant-arrival-rate
	MaxVUs           int           // constant-arrival-rate; 0 means PreAllocatedVUs

	vuShare  *Segment  // ramping-vus in a segment (InSegment): every step's target is scaled by it
	arrivals *arrivals // constant-arrival-rate in a segment (InSegment): the iterations this instance starts
}

// Stage is one leg of a ramping-vus scenario: the VU target moves linearly to Target over Duration.
type Stage struct {
	Duration time.Duration
	Target   int
}

// MaxVUCount is the most VUs the scenario can ever run at once: what the HTTP transport is sized for.
func (s Scenario) MaxVUCount() int {
	switch s.Executor {
	case ExecConstantVUs:
		return s.VUs
	case ExecRampingVUs:
		most := s.StartVUs
		for _, st := range s.Stages {
			most = max(most, st.Target)
		}
		return s.vuShare.Scale(most) // scaling is monotonic: the largest share is the largest target's
	default:
		return max(s.MaxVUs, s.PreAllocatedVUs)
	}
}

// InSegment returns the part of the scenario that the instance running seg runs, the way k6
// splits each executor: constant-vus scales its VUs; ramping-vus scales the VU target at every
// step of its ramp; constant-arrival-rate scales preAllocatedVUs and maxVUs and starts only
// the iterations striped to it (see arrivalsFor). Durations stay whole. A nil seg changes nothing.
func (s Scenario) InSegment(seg *Segment) (Scenario, error) {
	if seg == nil {
		return s, nil
	}
	q := s
	switch s.Executor {
	case ExecConstantVUs:
		q.VUs = seg.Scale(s.VUs)
	case ExecRampingVUs:
		q.vuShare = seg
	case ExecConstantArrivalRate:
		maxVUs := max(s.MaxVUs, s.PreAllocatedVUs)
		a, err := seg.arrivalsFor(maxVUs)
		if err != nil {
			return s, err
		}
		q.arrivals = &a
		q.PreAllocatedVUs, q.MaxVUs = seg.Scale(s.PreAllocatedVUs), seg.Scale(maxVUs)
	}
	return q, nil
}

// Length is the scenario's nominal duration, without the graceful stop at its end.
func (s Scenario) Length() time.Duration {
	if s.Executor != ExecRampingVUs {
		return s.Duration
	}
	var total time.Duration
	for _, st := range s.Stages {
		total += st.Duration
	}
	return total
}

// Quick returns the same shape with every duration multiplied by factor (0.1 turns the
// writeup's 60 s baseline into 6 s), so that --quick exercises the same code paths in seconds.
func (s Scenario) Quick(factor float64) Scenario {
	scale := func(d time.Duration) time.Duration {
		if d == 0 {
			return 0
		}
		return max(time.Millisecond, time.Duration(float64(d)*factor).Round(time.Millisecond))
	}
	q := s
	q.Duration = scale(s.Duration)
	q.GracefulRampDown = scale(s.GracefulRampDown)
	q.GracefulStop = scale(s.GracefulStop)
	q.Stages = make([]Stage, len(s.Stages))
	for i, st := range s.Stages {
		q.Stages[i] = Stage{Duration: scale(st.Duration), Target: st.Target}
	}
	return q
}

// LoadScenarioFile reads a scenario file: a JSON object {"scenarios": {name: scenario}} in k6's
// own options.scenarios shape, the one file the k6 scripts read too.
func LoadScenarioFile(path string) (map[string]Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario file: %w", err)
	}
	scenarios, err := ParseScenarios(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return scenarios, nil
}

// ParseScenarios decodes a scenario file strictly: an unknown field, a bad duration, a negative
// VU count or an unknown executor is an error naming the field's path.
func ParseScenarios(b []byte) (map[string]Scenario, error) {
	top, err := objectFields(b, "")
	if err != nil {
		return nil, err
	}
	for key := range top {
		if key != "scenarios" {
			return nil, fmt.Errorf("%s: unknown field", key)
		}
	}
	raw, ok := top["scenarios"]
	if !ok {
		return nil, fmt.Errorf("scenarios: missing")
	}
	entries, err := objectFields(raw, "scenarios")
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("scenarios: empty")
	}
	out := make(map[string]Scenario, len(entries))
	for _, name := range sortedKeys(entries) {
		sc, err := parseScenario(entries[name], "scenarios."+name)
		if err != nil {
			return nil, err
		}
		out[name] = sc
	}
	return out, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
