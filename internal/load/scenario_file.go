package load

import (
	"fmt"
	"os"
	"sort"
)

// A ScenarioFile is a scenario file read and checked once: k6's scenarios with the ssebench
// extensions each may carry (its stream, misbehaving clients and per-stream SLO). Both
// `ssebench load` and `ssebench run` read one through ReadScenarioFile.
type ScenarioFile struct {
	Path      string
	scenarios map[string]Scenario
	streams   map[string]StreamShape
	clients   map[string]Clients
	slos      map[string]SLO
}

// A NamedScenario is one scenario of a file with its extensions.
type NamedScenario struct {
	Name     string
	Scenario Scenario
	Stream   StreamShape // the stub's shape the scenario asks for; zero: the stub's default
	Clients  Clients     // the misbehaving clients it runs beside the others; zero: none
	SLO      *SLO        // its own per-stream SLO ("slo"); nil: the run's
}

// ReadScenarioFile reads path once and decodes every part of it strictly; an error names the
// file and the field's path.
func ReadScenarioFile(path string) (*ScenarioFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario file: %w", err)
	}
	f, err := ParseScenarioFile(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Path = path
	return f, nil
}

// ParseScenarioFile decodes a scenario file's text: ParseScenarios, ParseStreamShapes,
// ParseClients (over the scenarios already decoded) and ParseScenarioSLOs on the same bytes.
func ParseScenarioFile(b []byte) (*ScenarioFile, error) {
	f := &ScenarioFile{}
	var err error
	if f.scenarios, err = ParseScenarios(b); err != nil {
		return nil, err
	}
	if f.streams, err = ParseStreamShapes(b); err != nil {
		return nil, err
	}
	if f.clients, err = parseClientsOf(b, f.scenarios); err != nil {
		return nil, err
	}
	if f.slos, err = ParseScenarioSLOs(b); err != nil {
		return nil, err
	}
	return f, nil
}

// Names is every scenario's name, sorted.
func (f *ScenarioFile) Names() []string {
	names := make([]string, 0, len(f.scenarios))
	for n := range f.scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Get is the named scenario with its extensions; false when the file has none of that name.
func (f *ScenarioFile) Get(name string) (NamedScenario, bool) {
	sc, ok := f.scenarios[name]
	if !ok {
		return NamedScenario{}, false
	}
	n := NamedScenario{Name: name, Scenario: sc, Stream: f.streams[name], Clients: f.clients[name]}
	if slo, ok := f.slos[name]; ok {
		n.SLO = &slo
	}
	return n, true
}

// Quick is n for a --quick run: its durations and its stream's length × factor.
func (n NamedScenario) Quick(factor float64) NamedScenario {
	n.Scenario, n.Stream = n.Scenario.Quick(factor), n.Stream.Quick(factor)
	return n
}
