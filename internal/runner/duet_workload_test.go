package runner

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/load"
)

func repoScenarios(t *testing.T) (*load.ScenarioFile, string) {
	t.Helper()
	path := filepath.Join("..", "..", "k6", "scenarios.json")
	file, err := load.ReadScenarioFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return file, path
}

// The realistic workload gives the rounds its Poisson arrivals and its lengths at the
// duet's own rate, and a round's offered streams are the arrivals that fell due.
func TestDuetTakesTheWorkloadsArrivalsAndStream(t *testing.T) {
	file, path := repoScenarios(t)
	w, err := duetWorkload(Config{ScenariosFile: path, Duet: DuetConfig{Workload: "realistic"}}, file)
	if err != nil {
		t.Fatal(err)
	}
	d := &duetRun{cfg: DuetConfig{Rate: 30}, workload: w}
	sc := d.schedule(10 * time.Second).(load.ConstantArrivalRate)
	if sc.Rate != 30 || sc.Arrival.Process != load.ArrivalPoisson || sc.Arrival.Seed != 1 {
		t.Errorf("round schedule %+v: want 30/s of realistic's seeded Poisson arrivals", sc)
	}
	h := d.headers(&instance{headers: map[string][]string{"X-Portkey-Provider": {"openai"}}})
	if h.Get("X-Stub-Tokens-Dist") != "lognormal:mean=200,sd=150" || h.Get("X-Portkey-Provider") != "openai" {
		t.Errorf("round headers %v: want realistic's length distribution and the server's own", h)
	}
	if got := d.offered(&load.Summary{Requests: 287, Dropped: 3, Arrival: &load.ArrivalSummary{}}, 300); got != 290 {
		t.Errorf("offered %d, want the 290 arrivals that fell due", got)
	}
	plain := &duetRun{cfg: DuetConfig{Rate: 30}}
	if sc := plain.schedule(time.Second).(load.ConstantArrivalRate); sc.Arrival.Process != "" {
		t.Errorf("without a workload the arrivals are %q, want evenly spaced", sc.Arrival.Process)
	}
	if got := plain.offered(&load.Summary{Requests: 287}, 300); got != 300 {
		t.Errorf("offered without a workload %d, want the rate × the round", got)
	}
	quick, err := duetWorkload(Config{ScenariosFile: path, Quick: true, QuickFactor: 0.1, Duet: DuetConfig{Workload: "realistic"}}, file)
	if err != nil || quick.Stream.Headers().Get("X-Stub-Tokens-Dist") != "lognormal:mean=20,sd=15" {
		t.Errorf("quick realistic workload %+v (%v): want its lengths scaled as the scenario's", quick, err)
	}
}

func TestDuetWorkloadMustBeAnArrivalRateScenarioOfTheFile(t *testing.T) {
	file, path := repoScenarios(t)
	for name, want := range map[string]string{"nope": "is not a scenario", "baseline": "want a constant-arrival-rate scenario"} {
		_, err := duetWorkload(Config{ScenariosFile: path, Duet: DuetConfig{Workload: name}}, file)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--duet-workload") {
			t.Errorf("--duet-workload %s: %v, want an error naming the flag: %q", name, err, want)
		}
	}
}
