package load

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestIdleStreamsCarriesAnSLOItsStreamCanMeet(t *testing.T) {
	slos := readScenarioFile(t, filepath.Join("..", "..", "k6", "scenarios.json")).slos
	want := SLO{TTFT: 2 * time.Second, Gap: 1500 * time.Millisecond}
	if got := slos["idle-streams"]; got != want {
		t.Errorf("idle-streams' SLO %+v, want %+v: its tokens come a second apart", got, want)
	}
	if _, ok := slos["efficiency"]; ok {
		t.Error("efficiency has an SLO of its own, want the run's")
	}
}

func TestScenarioSLOErrorsNameThePath(t *testing.T) {
	for doc, want := range map[string]string{
		`{"scenarios":{"a":{"executor":"constant-vus","vus":1,"duration":"1s","slo":5}}}`:           "scenarios.a.slo: want a string",
		`{"scenarios":{"a":{"executor":"constant-vus","vus":1,"duration":"1s","slo":"tpot<=1s"}}}`:  "scenarios.a.slo: ",
		`{"scenarios":{"a":{"executor":"constant-vus","vus":1,"duration":"1s","slo":"ttft<=-1s"}}}`: "scenarios.a.slo: ",
	} {
		_, err := ParseScenarioSLOs([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %q", doc, err, want)
		}
	}
}
