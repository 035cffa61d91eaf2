package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readScenarioFile reads path, failing the test on an error.
func readScenarioFile(t *testing.T, path string) *ScenarioFile {
	t.Helper()
	f, err := ReadScenarioFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// One read gives each scenario with every extension it carries, quick-scaled together.
func TestScenarioFileGivesEachScenarioWithItsExtensions(t *testing.T) {
	f := readScenarioFile(t, filepath.Join("..", "..", "k6", "scenarios.json"))
	idle, ok := f.Get("idle-streams")
	if !ok || idle.SLO == nil || idle.SLO.TTFT != 2*time.Second || idle.Stream.Tokens != 60 {
		t.Fatalf("idle-streams %+v (found %v): want its own SLO and its 60-token stream", idle, ok)
	}
	cancel, _ := f.Get("cancel")
	if cancel.Clients.Cancel == nil || cancel.SLO != nil {
		t.Errorf("cancel %+v: want its cancelling clients and the run's SLO", cancel)
	}
	quick := cancel.Quick(0.1)
	if quick.Scenario.Length() >= cancel.Scenario.Length() || quick.Stream.Tokens != cancel.Stream.Tokens/10 {
		t.Errorf("quick cancel %v long, %d tokens; want shorter than %v and a tenth of %d tokens",
			quick.Scenario.Length(), quick.Stream.Tokens, cancel.Scenario.Length(), cancel.Stream.Tokens)
	}
	if _, ok := f.Get("nope"); ok {
		t.Error("found a scenario the file does not have")
	}
	names := f.Names()
	if len(names) < 8 || !strings.Contains(strings.Join(names, ","), "baseline,cancel") {
		t.Errorf("names %v: want every scenario, sorted", names)
	}
}

// A bad extension fails the whole read, naming the file and the field.
func TestScenarioFileErrorsNameTheFileAndField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	body := `{"scenarios": {"x": {"executor": "constant-vus", "vus": 1, "duration": "1s", "slo": "ttft<=nope"}}}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadScenarioFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "scenarios.x.slo") {
		t.Errorf("error %v: want the file and scenarios.x.slo named", err)
	}
	if _, err := ReadScenarioFile(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "scenario file") {
		t.Errorf("a missing file: %v", err)
	}
}
