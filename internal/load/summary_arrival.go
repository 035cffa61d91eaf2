package load

import "fmt"

// ArrivalSummary is the random arrival process a run drew its arrivals from (ArrivalProcess),
// with the seed that draws the same ones again.
type ArrivalSummary struct {
	Process string  `json:"process"` // poisson or gamma
	CV      float64 `json:"cv"`      // of the gaps
	Seed    uint64  `json:"seed"`    // "seed" in the scenario's "arrival" draws the same arrivals
}

// arrivalSummary is sc's random arrival process, nil for evenly spaced arrivals (nothing
// drawn, nothing to repeat) and for the closed executors.
func arrivalSummary(sc Scenario) *ArrivalSummary {
	ar, ok := sc.(ConstantArrivalRate)
	if !ok || !ar.Arrival.random() {
		return nil
	}
	return &ArrivalSummary{Process: ar.Arrival.Process, CV: ar.Arrival.CV, Seed: ar.Arrival.Seed}
}

// arrivalText is the summary's line about a random arrival process, none without one.
func (s *Summary) arrivalText() string {
	a := s.Arrival
	if a == nil {
		return ""
	}
	p := ArrivalProcess{Process: a.Process, CV: a.CV}
	return fmt.Sprintf("\n  arrivals: %s, seed %d (\"arrival\": {…, \"seed\": %d} draws them again)\n", p, a.Seed, a.Seed)
}
