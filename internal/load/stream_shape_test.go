package load

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStreamShapesOfTheScenarioFile(t *testing.T) {
	shapes, err := LoadStreamShapes(filepath.Join("..", "..", "k6", "scenarios.json"))
	if err != nil {
		t.Fatal(err)
	}
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
