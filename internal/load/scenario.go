package load

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Scenario is one entry of k6's options.scenarios: a value of one of the executor types, each
// in a file of its own with its fields, its split, its parsing and its schedule —
// ConstantVUs (executor_constant_vus.go), RampingVUs (executor_ramping_vus.go) and
// ConstantArrivalRate (executor_arrival.go). A new executor is one more such file plus its
// entry in executorParsers (scenario_parse.go).
type Scenario interface {
	// Executor is the executor's name, as k6 spells it.
	Executor() string
	// Length is the scenario's nominal duration, without the graceful stop at its end.
	Length() time.Duration
	// MaxVUCount is the most VUs the scenario can ever run at once: what the HTTP transport
	// is sized for.
	MaxVUCount() int
	// InSegment returns the part of the scenario that the instance running seg runs, the way
	// k6 splits this executor; durations stay whole. A nil seg changes nothing.
	InSegment(seg *Segment) (Scenario, error)
	// Quick returns the same shape with every duration multiplied by factor (0.1 turns the
	// writeup's 60 s baseline into 6 s), so that --quick exercises the same code paths in
	// seconds.
	Quick(factor float64) Scenario
	// newExecutor builds what runs the scenario: it schedules the iterations on clock, calls
	// iterate for each and tells rec what it observes.
	newExecutor(clock Clock, iterate iterateFunc, rec recorder) executor
}

// Executor names, as k6 spells them.
const (
	ExecConstantVUs         = "constant-vus"
	ExecRampingVUs          = "ramping-vus"
	ExecConstantArrivalRate = "constant-arrival-rate"
)

// ScenariosPath is the scenario file, relative to the repository root: the one both load
// generators read.
const ScenariosPath = "k6/scenarios.json"

// DefaultQuickFactor is what --quick multiplies every duration by (Scenario.Quick): 60 s
// become 6 s.
const DefaultQuickFactor = 0.1

// k6's defaults for the fields a scenario may leave out.
const (
	defaultGracefulStop     = 30 * time.Second
	defaultGracefulRampDown = 30 * time.Second
	defaultTimeUnit         = time.Second
)

// quickScale multiplies a duration by factor for Quick, to the millisecond and never below
// one; zero stays zero.
func quickScale(d time.Duration, factor float64) time.Duration {
	if d == 0 {
		return 0
	}
	return max(time.Millisecond, time.Duration(float64(d)*factor).Round(time.Millisecond))
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
