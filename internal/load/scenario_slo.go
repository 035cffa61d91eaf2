package load

import (
	"encoding/json"
	"fmt"
)

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
