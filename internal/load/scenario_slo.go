package load

import (
	"encoding/json"
	"fmt"
)

// LoadScenarioSLOs reads each scenario's own per-stream SLO ("slo" in k6/scenarios.json, an
// ssebench extension, in --slo's syntax); scenarios without one are left out. A scenario
// whose stream is slow by design (idle-streams: one token a second) carries one, for the
// run's SLO would judge every stream of it a miss.
func LoadScenarioSLOs(path string) (map[string]SLO, error) {
	return loadExtension(path, ParseScenarioSLOs)
}

// ParseScenarioSLOs decodes the "slo" of every scenario; a bad one is an error naming its path.
func ParseScenarioSLOs(b []byte) (map[string]SLO, error) {
	out := map[string]SLO{}
	err := eachExtension(b, "slo", func(name, path string, raw json.RawMessage) error {
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return fmt.Errorf("%s: want a string such as %q, got %s", path, DefaultSLO.String(), raw)
		}
		slo, err := ParseSLO(text)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		out[name] = slo
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
