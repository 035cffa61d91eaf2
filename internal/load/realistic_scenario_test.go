package load

import (
	"path/filepath"
	"testing"
	"time"
)

// realistic: users as they come (Poisson, 50/s), answers as long as they are (lognormal).
func TestRealisticScenarioOfTheFile(t *testing.T) {
	path := filepath.Join("..", "..", "k6", "scenarios.json")
	scs := readScenarioFile(t, path).scenarios
	want := ConstantArrivalRate{Rate: 50, TimeUnit: time.Second, Duration: 30 * time.Second,
		PreAllocatedVUs: 50, MaxVUs: 600, GracefulStop: 30 * time.Second,
		Arrival: ArrivalProcess{Process: ArrivalPoisson, CV: 1, Seed: 1}}
	if got, ok := scs["realistic"].(ConstantArrivalRate); !ok || got != want {
		t.Fatalf("realistic = %+v, want %+v", scs["realistic"], want)
	}
	shapes := readScenarioFile(t, path).streams
	shape := StreamShape{TokensDist: "lognormal:mean=200,sd=150", TimeToFirstToken: 50 * time.Millisecond,
		InterTokenDelay: 10 * time.Millisecond}
	if got := shapes["realistic"]; got != shape {
		t.Fatalf("realistic's stream %+v, want %+v", got, shape)
	}
	if q := shape.Quick(DefaultQuickFactor); q.TokensDist != "lognormal:mean=20,sd=15" || q.InterTokenDelay != shape.InterTokenDelay {
		t.Errorf("quick realistic stream %+v, want a tenth of the length, the same delays", q)
	}
	if q := scs["realistic"].Quick(DefaultQuickFactor).(ConstantArrivalRate); q.Duration != 3*time.Second || q.Rate != 50 || q.Arrival != want.Arrival {
		t.Errorf("quick realistic %+v, want 3 s of the same Poisson arrivals", q)
	}
	clients := readScenarioFile(t, path).clients
	if c, ok := clients["realistic"]; ok {
		t.Errorf("realistic has clients %+v, want none", c)
	}
}
