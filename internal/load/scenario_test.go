package load

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestScenarioFileHasTheWriteupsScenarios(t *testing.T) {
	scs := readScenarioFile(t, filepath.Join("..", "..", "k6", "scenarios.json")).scenarios
	base, baseOK := scs["baseline"].(ConstantVUs)
	stress, stressOK := scs["stress"].(RampingVUs)
	if !baseOK || base.Executor() != ExecConstantVUs || base.VUs != 10 || base.Duration != 60*time.Second {
		t.Fatalf("baseline = %+v, want 10 constant VUs for 60s", scs["baseline"])
	}
	if !stressOK || stress.Executor() != ExecRampingVUs || stress.StartVUs != 10 || stress.MaxVUCount() != 200 {
		t.Fatalf("stress = %+v, want ramping from 10 VUs up to 200", stress)
	}
	if l := stress.Length(); l < 60*time.Second || l > 80*time.Second {
		t.Fatalf("stress lasts %v, want about 70s", l)
	}
	if last := stress.Stages[len(stress.Stages)-1]; last.Target != 0 {
		t.Fatalf("stress ends at %d VUs, want 0", last.Target)
	}
	q := stress.Quick(0.1).(RampingVUs)
	if q.Length() != stress.Length()/10 || q.MaxVUCount() != 200 || len(q.Stages) != len(stress.Stages) {
		t.Fatalf("Quick(0.1) = %+v: want the same shape, a tenth as long", q)
	}
	if base.Quick(0.1).(ConstantVUs).Duration != 6*time.Second {
		t.Fatalf("quick baseline lasts %v, want 6s", base.Quick(0.1).(ConstantVUs).Duration)
	}
}

func TestParseArrivalRateAndDefaults(t *testing.T) {
	scs, err := ParseScenarios([]byte(`{"scenarios":{"open":{"executor":"constant-arrival-rate",
		"rate":50,"duration":"10s","preAllocatedVUs":5}}}`))
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := scs["open"].(ConstantArrivalRate)
	want := ConstantArrivalRate{Rate: 50, TimeUnit: time.Second, Duration: 10 * time.Second,
		PreAllocatedVUs: 5, MaxVUs: 5, GracefulStop: 30 * time.Second}
	if scs["open"].Executor() != want.Executor() || sc.Rate != want.Rate || sc.TimeUnit != want.TimeUnit || sc.Duration != want.Duration ||
		sc.PreAllocatedVUs != want.PreAllocatedVUs || sc.MaxVUs != want.MaxVUs || sc.GracefulStop != want.GracefulStop {
		t.Fatalf("got %+v, want %+v (k6 defaults: timeUnit 1s, maxVUs = preAllocatedVUs, gracefulStop 30s)", sc, want)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	ramp := func(stage1 string) string {
		return `{"scenarios":{"stress":{"executor":"ramping-vus","stages":[{"duration":"1s","target":5},` + stage1 + `]}}}`
	}
	cases := []struct{ in, want string }{
		{ramp(`{"duration":"3x","target":1}`), `scenarios.stress.stages[1].duration: invalid duration "3x"`},
		{ramp(`{"duration":"1s","target":-1}`), `scenarios.stress.stages[1].target: must not be negative`},
		{ramp(`{"duration":"1s","target":1,"extra":1}`), `scenarios.stress.stages[1].extra: unknown field`},
		{ramp(`{"duration":"1s"}`), `scenarios.stress.stages[1].target: missing`},
		{`{"scenarios":{"b":{"executor":"constant-vus","vus":-3,"duration":"1s"}}}`, `scenarios.b.vus: must not be negative`},
		{`{"scenarios":{"b":{"executor":"constant-vus","vus":2}}}`, `scenarios.b.duration: missing`},
		{`{"scenarios":{"b":{"executor":"constant-vus","vus":2,"duration":60}}}`, `scenarios.b.duration: want a duration string`},
		{`{"scenarios":{"b":{"executor":"per-vu-iterations","vus":2}}}`, `scenarios.b.executor: unknown executor "per-vu-iterations"`},
		{`{"scenarios":{"b":{"executor":"constant-vus","vus":2,"duration":"1s","stages":[]}}}`, `scenarios.b.stages: unknown field`},
		{`{"scenarios":{"b":{"vus":2}}}`, `scenarios.b.executor: missing`},
		{`{"scenario":{}}`, `scenario: unknown field`},
		{`{"scenarios":{"o":{"executor":"constant-arrival-rate","rate":5,"duration":"1s","preAllocatedVUs":4,"maxVUs":2}}}`,
			`scenarios.o.maxVUs: 2 is less than preAllocatedVUs 4`},
		{`{"scenarios":{"o":{"executor":"constant-arrival-rate","duration":"1s","preAllocatedVUs":4}}}`, `scenarios.o.rate: missing`},
		{`{"scenarios":{"b":{"executor":"constant-vus","vus":2,"duration":"1s","gracefulStop":"-1s"}}}`, `scenarios.b.gracefulStop: must not be negative`},
		{`{"scenarios":`, `invalid JSON`},
	}
	for _, c := range cases {
		_, err := ParseScenarios([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseScenarios(%s)\n  error %v\n  want one containing %q", c.in, err, c.want)
		}
	}
}
