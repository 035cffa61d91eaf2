package runner

import (
	"fmt"
	"net/http"
	"time"

	"github.com/ssebench/ssebench/internal/load"
)

// duetWorkload resolves --duet-workload: a constant-arrival-rate scenario of the file, whose
// arrival process and stream shape the rounds take (scaled by --quick as the scenario is).
func duetWorkload(cfg Config, file *load.ScenarioFile) (*namedScenario, error) {
	name := cfg.Duet.Workload
	if name == "" {
		return nil, nil
	}
	n, ok := file.Get(name)
	if !ok {
		return nil, fmt.Errorf("--duet-workload %q is not a scenario of %s", name, cfg.ScenariosFile)
	}
	if _, ok := n.Scenario.(load.ConstantArrivalRate); !ok {
		return nil, fmt.Errorf("--duet-workload %q: want a constant-arrival-rate scenario (its arrivals and stream), not %s", name, n.Scenario.Executor())
	}
	if cfg.Quick {
		n = n.Quick(cfg.QuickFactor)
	}
	return &namedScenario{Name: name, Scenario: n.Scenario, Stream: n.Stream}, nil
}

// schedule is one round's load of each server: the duet's rate for length, spaced as the
// workload's arrivals are (evenly without one).
func (d *duetRun) schedule(length time.Duration) load.Scenario {
	sc := arrivalRate(d.cfg.Rate, length, 5*time.Second).(load.ConstantArrivalRate)
	if d.workload != nil {
		sc.Arrival = d.workload.Scenario.(load.ConstantArrivalRate).Arrival
	}
	return sc
}

// headers are what each of in's requests carries: the workload's stream shape, then in's own.
func (d *duetRun) headers(in *instance) http.Header {
	if d.workload == nil {
		return in.headers
	}
	return d.workload.headers(target{headers: in.headers})
}

// offered is the streams a round asked of a server: evenly spaced, the rate × the round;
// drawn from a random process, the arrivals that fell due (started or dropped), which vary
// round to round.
func (d *duetRun) offered(s *load.Summary, evenly int64) int64 {
	if d.workload == nil || s == nil || s.Arrival == nil {
		return evenly
	}
	return s.Requests + s.Dropped
}
