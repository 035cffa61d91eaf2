package load

import (
	"encoding/json"
	"fmt"
)

// withArrival reads a scenario's "arrival" into sc, which must be a constant-arrival-rate
// scenario: the closed executors start an iteration when the last one ends, so there is no
// arrival to space.
func withArrival(sc Scenario, raw json.RawMessage, path string) (Scenario, error) {
	ar, ok := sc.(ConstantArrivalRate)
	if !ok {
		return nil, fmt.Errorf("%s: only %s has arrivals to space, not %s", path, ExecConstantArrivalRate, sc.Executor())
	}
	p, err := parseArrival(raw, path)
	if err != nil {
		return nil, err
	}
	ar.Arrival = p
	return ar, nil
}

// parseArrival reads {"process": "constant" | "poisson" | "gamma", "cv": x, "seed": n}
// strictly: cv only with gamma (and required there), a seed only with a random process.
func parseArrival(raw json.RawMessage, path string) (ArrivalProcess, error) {
	fields, err := objectFields(raw, path)
	if err != nil {
		return ArrivalProcess{}, err
	}
	f := fieldReader{fields: fields, path: path}
	if err := f.onlyKnown([]string{"process", "cv", "seed"}); err != nil {
		return ArrivalProcess{}, err
	}
	var p ArrivalProcess
	if p.Process, err = f.str("process", ArrivalConstant); err != nil {
		return ArrivalProcess{}, err
	}
	_, hasCV := fields["cv"]
	switch p.Process {
	case ArrivalConstant:
		if hasCV {
			return ArrivalProcess{}, fmt.Errorf("%s.cv: constant spacing has no cv (want process gamma)", path)
		}
	case ArrivalPoisson:
		if hasCV {
			return ArrivalProcess{}, fmt.Errorf("%s.cv: poisson's cv is 1 (want process gamma for another)", path)
		}
		p.CV = 1
	case ArrivalGamma:
		if !hasCV {
			return ArrivalProcess{}, fmt.Errorf("%s.cv: missing (gamma's coefficient of variation of the gaps, e.g. 2)", path)
		}
		if p.CV, err = f.number("cv"); err != nil {
			return ArrivalProcess{}, err
		}
		if !(p.CV > 0 && p.CV <= maxArrivalCV) {
			return ArrivalProcess{}, fmt.Errorf("%s.cv: must be above 0 and at most %d, got %v", path, maxArrivalCV, p.CV)
		}
	default:
		return ArrivalProcess{}, fmt.Errorf("%s.process: unknown process %q (want %s, %s or %s)",
			path, p.Process, ArrivalConstant, ArrivalPoisson, ArrivalGamma)
	}
	if raw, ok := fields["seed"]; ok {
		if !p.random() {
			return ArrivalProcess{}, fmt.Errorf("%s.seed: constant spacing draws nothing", path)
		}
		if err := json.Unmarshal(raw, &p.Seed); err != nil || p.Seed == 0 {
			return ArrivalProcess{}, fmt.Errorf("%s.seed: want a whole number from 1 to 2^64-1 (leave it out for one from the time), got %s", path, raw)
		}
	}
	return p, nil
}
