package load

import (
	"encoding/json"
	"fmt"
	"os"
)

// eachExtension calls parse with every scenario's field named field (one of ssebench's
// extensions: "stream", "clients", "slo"), in name order, with the field's path for errors;
// scenarios without it are skipped. parse's error ends the walk.
func eachExtension(b []byte, field string, parse func(name, path string, raw json.RawMessage) error) error {
	top, err := objectFields(b, "")
	if err != nil {
		return err
	}
	entries, err := objectFields(top["scenarios"], "scenarios")
	if err != nil {
		return err
	}
	for _, name := range sortedKeys(entries) {
		fields, err := objectFields(entries[name], "scenarios."+name)
		if err != nil {
			return err
		}
		if raw, ok := fields[field]; ok {
			if err := parse(name, "scenarios."+name+"."+field, raw); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadExtension reads a scenario file and parses it with parse, naming the file in errors.
func loadExtension[T any](path string, parse func([]byte) (map[string]T, error)) (map[string]T, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario file: %w", err)
	}
	out, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
