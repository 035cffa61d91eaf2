package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// executorParsers are the executors a scenario file may name, in the order an error lists
// them: the fields each accepts besides "executor" and "gracefulStop", and how it reads them
// (each parse function lives in its executor's file).
var executorParsers = []executorParser{
	{ExecConstantVUs, []string{"vus", "duration"}, parseConstantVUs},
	{ExecRampingVUs, []string{"startVUs", "stages", "gracefulRampDown"}, parseRampingVUs},
	{ExecConstantArrivalRate, []string{"rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"}, parseArrivalRate},
}

type executorParser struct {
	name   string
	fields []string
	parse  func(f *fieldReader, gracefulStop time.Duration) (Scenario, error)
}

func parseScenario(raw json.RawMessage, path string) (Scenario, error) {
	fields, err := objectFields(raw, path)
	if err != nil {
		return nil, err
	}
	f := fieldReader{fields: fields, path: path}
	name, err := f.str("executor", "")
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(executorParsers, func(p executorParser) bool { return p.name == name })
	if i < 0 {
		if name == "" {
			return nil, fmt.Errorf("%s.executor: missing", path)
		}
		return nil, fmt.Errorf("%s.executor: unknown executor %q (want %s)", path, name, executorNames())
	}
	p := executorParsers[i]
	// "stream", "clients" and "arrival" are ssebench's extensions: the stub's shape for the
	// scenario (StreamShape), its misbehaving clients (Clients) and how its arrivals are
	// spaced (ArrivalProcess, constant-arrival-rate only).
	if err := f.onlyKnown(append([]string{"executor", "gracefulStop", "stream", "clients", "arrival", "slo"}, p.fields...)); err != nil {
		return nil, err
	}
	gracefulStop, err := f.duration("gracefulStop", defaultGracefulStop, false)
	if err != nil {
		return nil, err
	}
	sc, err := p.parse(&f, gracefulStop)
	if err != nil {
		return nil, err
	}
	if raw, ok := fields["arrival"]; ok {
		if sc, err = withArrival(sc, raw, path+".arrival"); err != nil {
			return nil, err
		}
	}
	// Checked here too, so that every reader of the file refuses clients it could not run,
	// whether or not it runs them (ParseClients reads them).
	if raw, ok := fields["clients"]; ok {
		if _, err := parseClients(raw, path+".clients", sc); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// executorNames lists the executors as a sentence: "a, b or c".
func executorNames() string {
	names := make([]string, len(executorParsers))
	for i, p := range executorParsers {
		names[i] = p.name
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// fieldReader decodes the fields of one JSON object, naming the field's path in every error.
type fieldReader struct {
	fields map[string]json.RawMessage
	path   string
}

func (f *fieldReader) onlyKnown(known []string) error {
	for _, key := range sortedKeys(f.fields) {
		found := false
		for _, k := range known {
			found = found || k == key
		}
		if !found {
			return fmt.Errorf("%s.%s: unknown field", f.path, key)
		}
	}
	return nil
}

func (f *fieldReader) str(name, def string) (string, error) {
	raw, ok := f.fields[name]
	if !ok {
		return def, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s.%s: want a string, got %s", f.path, name, raw)
	}
	return s, nil
}

// count reads a whole number of at least least.
func (f *fieldReader) count(name string, def, least int) (int, error) {
	raw, ok := f.fields[name]
	if !ok {
		return def, nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("%s.%s: want a whole number, got %s", f.path, name, raw)
	}
	if n < 0 {
		return 0, fmt.Errorf("%s.%s: must not be negative, got %d", f.path, name, n)
	}
	if n < least {
		return 0, fmt.Errorf("%s.%s: must be at least %d, got %d", f.path, name, least, n)
	}
	return n, nil
}

// number reads a JSON number.
func (f *fieldReader) number(name string) (float64, error) {
	var x float64
	if err := json.Unmarshal(f.fields[name], &x); err != nil {
		return 0, fmt.Errorf("%s.%s: want a number, got %s", f.path, name, f.fields[name])
	}
	return x, nil
}

func (f *fieldReader) requiredDuration(name string) (time.Duration, error) {
	d, err := f.duration(name, 0, true)
	if err == nil && d <= 0 {
		return 0, fmt.Errorf("%s.%s: must be positive", f.path, name)
	}
	return d, err
}

// duration reads a duration string in k6's (and Go's) syntax, such as "30s" or "1m30s".
func (f *fieldReader) duration(name string, def time.Duration, required bool) (time.Duration, error) {
	raw, ok := f.fields[name]
	if !ok {
		if required {
			return 0, fmt.Errorf("%s.%s: missing", f.path, name)
		}
		return def, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("%s.%s: want a duration string such as \"30s\", got %s", f.path, name, raw)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s.%s: invalid duration %q", f.path, name, s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%s.%s: must not be negative, got %q", f.path, name, s)
	}
	return d, nil
}

// objectFields decodes one JSON object into its raw fields, rejecting duplicate keys.
func objectFields(b []byte, path string) (map[string]json.RawMessage, error) {
	name := path
	if name == "" {
		name = "scenario file"
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %w", name, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%s: want an object", name)
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: invalid JSON: %w", name, err)
		}
		key := keyTok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: invalid JSON: %w", join(path, key), err)
		}
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("%s: duplicate field", join(path, key))
		}
		fields[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: trailing data after the object", name)
	}
	return fields, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
