package load

import (
	"encoding/json"
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
