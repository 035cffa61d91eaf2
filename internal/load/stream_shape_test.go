package load

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStreamShapesOfTheScenarioFile(t *testing.T) {
	shapes := readScenarioFile(t, filepath.Join("..", "..", "k6", "scenarios.json")).streams
	idle, ok := shapes["idle-streams"]
	if !ok || idle.Tokens != 60 || idle.InterTokenDelay != time.Second || idle.TimeToFirstToken != time.Second {
		t.Fatalf("idle-streams' shape %+v (found %v), want 60 tokens a second apart", idle, ok)
	}
	if _, ok := shapes["baseline"]; ok {
		t.Error("baseline has no stream shape, got one")
	}
	h := idle.Headers()
	if h.Get("X-Stub-Tokens") != "60" || h.Get("X-Stub-Inter-Token-Delay") != "1s" || h.Get("X-Stub-Time-To-First-Token") != "1s" {
		t.Errorf("headers %v", h)
	}
	if q := idle.Quick(0.1); q.Tokens != 6 || q.InterTokenDelay != time.Second {
		t.Errorf("quick shape %+v, want 6 tokens a second apart", q)
	}
	if q := (StreamShape{Tokens: 3}).Quick(0.1); q.Tokens != 1 {
		t.Errorf("quick shape of 3 tokens: %d, want at least 1", q.Tokens)
	}
	if len((StreamShape{}).Headers()) != 0 {
		t.Error("an empty shape asks the stub for something")
	}
}

func TestStreamShapesAreStrict(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"scenarios":{"a":{"executor":"constant-vus","vus":1,"duration":"1s","stream":{"token":5}}}}`, "scenarios.a.stream.token: unknown field"},
		{`{"scenarios":{"a":{"executor":"constant-vus","vus":1,"duration":"1s","stream":{"tokens":-1}}}}`, "scenarios.a.stream.tokens: must not be negative"},
		{`{"scenarios":{"a":{"executor":"constant-vus","vus":1,"duration":"1s","stream":{"interTokenDelay":"soon"}}}}`, `scenarios.a.stream.interTokenDelay: invalid duration "soon"`},
	} {
		_, err := ParseStreamShapes([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.json, err, c.want)
		}
	}
}

func TestStreamTokensDist(t *testing.T) {
	shapes, err := ParseStreamShapes([]byte(`{"scenarios":{"a":{"executor":"constant-vus","vus":1,"duration":"1s",
		"stream":{"tokensDist":"lognormal:mean=200,sd=150","interTokenDelay":"10ms"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	s := shapes["a"]
	if s.TokensDist != "lognormal:mean=200,sd=150" || s.Tokens != 0 {
		t.Fatalf("shape %+v, want the distribution and no fixed count", s)
	}
	if h := s.Headers(); h.Get("X-Stub-Tokens-Dist") != "lognormal:mean=200,sd=150" || h.Get("X-Stub-Tokens") != "" {
		t.Errorf("headers %v", h)
	}
	for _, c := range []struct {
		spec   string
		factor float64
		want   string
	}{
		{"lognormal:mean=200,sd=150", 0.1, "lognormal:mean=20,sd=15"},
		{"lognormal: sd=150 , mean=200", 0.5, "lognormal:sd=75,mean=100"},
		{"lognormal:mean=5,sd=3", 0.1, "lognormal:mean=1,sd=0.3"}, // never under one token
		{"lognormal:mean=90000,sd=0", 10, "lognormal:mean=100000,sd=0"},
	} {
		q := StreamShape{TokensDist: c.spec}.Quick(c.factor)
		if q.TokensDist != c.want {
			t.Errorf("%s × %v = %s, want %s", c.spec, c.factor, q.TokensDist, c.want)
		}
		if err := checkTokensDist(q.TokensDist); err != nil {
			t.Errorf("%s: the stub would refuse it: %v", q.TokensDist, err)
		}
	}
}

func TestStreamTokensDistIsChecked(t *testing.T) {
	stream := func(s string) string {
		return `{"scenarios":{"a":{"executor":"constant-vus","vus":1,"duration":"1s","stream":` + s + `}}}`
	}
	for _, c := range []struct{ json, want string }{
		{stream(`{"tokens":100,"tokensDist":"lognormal:mean=200,sd=150"}`), "scenarios.a.stream.tokensDist: not with tokens"},
		{stream(`{"tokensDist":"lognormal:mean=0,sd=1"}`), "scenarios.a.stream.tokensDist: lognormal: mean 0 out of range"},
		{stream(`{"tokensDist":"lognormal:mean=200"}`), "scenarios.a.stream.tokensDist: lognormal: sd missing"},
		{stream(`{"tokensDist":"lognormal:mean=200,sd=150,shape=2"}`), `scenarios.a.stream.tokensDist: lognormal: unknown parameter "shape"`},
		{stream(`{"tokensDist":"pareto:alpha=2"}`), `scenarios.a.stream.tokensDist: unknown distribution "pareto"`},
		{stream(`{"tokensDist":"histogram:chat"}`), "scenarios.a.stream.tokensDist: want lognormal:mean=M,sd=S"},
		{stream(`{"tokensDist":"200"}`), "scenarios.a.stream.tokensDist: want KIND:ARGUMENTS"},
		{stream(`{"tokensDist":200}`), "scenarios.a.stream.tokensDist: want a string"},
	} {
		_, err := ParseStreamShapes([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.json, err, c.want)
		}
	}
}
