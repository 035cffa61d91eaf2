package load

import (
	"encoding/json"
	"fmt"
	"os"
)

// LoadScenarioSLOs reads each scenario's own per-stream SLO ("slo" in k6/scenarios.json, an
// ssebench extension, in --slo's syntax); scenarios without one are left out. A scenario
// whose stream is slow by design (idle-streams: one token a second) carries one, for the
// run's SLO would judge every stream of it a miss.
func LoadScenarioSLOs(path string) (map[string]SLO, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario file: %w", err)
	}
	slos, err := ParseScenarioSLOs(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return slos, nil
}

// ParseScenarioSLOs decodes the "slo" of every scenario; a bad one is an error naming its path.
func ParseScenarioSLOs(b []byte) (map[string]SLO, error) {
	top, err := objectFields(b, "")
	if err != nil {
		return nil, err
	}
	entries, err := objectFields(top["scenarios"], "scenarios")
	if err != nil {
		return nil, err
	}
	out := map[string]SLO{}
	for _, name := range sortedKeys(entries) {
		fields, err := objectFields(entries[name], "scenarios."+name)
		if err != nil {
			return nil, err
		}
		raw, ok := fields["slo"]
		if !ok {
			continue
		}
		path := "scenarios." + name + ".slo"
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return nil, fmt.Errorf("%s: want a string such as %q, got %s", path, DefaultSLO.String(), raw)
		}
		slo, err := ParseSLO(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[name] = slo
	}
	return out, nil
}
