package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// fieldsByExecutor lists the fields each executor accepts besides "executor" and "gracefulStop".
var fieldsByExecutor = map[string][]string{
	ExecConstantVUs:         {"vus", "duration"},
	ExecRampingVUs:          {"startVUs", "stages", "gracefulRampDown"},
	ExecConstantArrivalRate: {"rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"},
}

func parseScenario(raw json.RawMessage, path string) (Scenario, error) {
	fields, err := objectFields(raw, path)
	if err != nil {
		return Scenario{}, err
	}
	f := fieldReader{fields: fields, path: path}
	sc := Scenario{}
	if sc.Executor, err = f.str("executor", ""); err != nil {
		return Scenario{}, err
	}
	allowed, ok := fieldsByExecutor[sc.Executor]
	if !ok {
		if sc.Executor == "" {
			return Scenario{}, fmt.Errorf("%s.executor: missing", path)
		}
		return Scenario{}, fmt.Errorf("%s.executor: unknown executor %q (want %s, %s or %s)",
			path, sc.Executor, ExecConstantVUs, ExecRampingVUs, ExecConstantArrivalRate)
	}
	if err := f.onlyKnown(append([]string{"executor", "gracefulStop"}, allowed...)); err != nil {
		return Scenario{}, err
	}
	if sc.GracefulStop, err = f.duration("gracefulStop", defaultGracefulStop, false); err != nil {
		return Scenario{}, err
	}
	switch sc.Executor {
	case ExecConstantVUs:
		err = parseConstantVUs(&f, &sc)
	case ExecRampingVUs:
		err = parseRampingVUs(&f, &sc)
	default:
		err = parseArrivalRate(&f, &sc)
	}
	return sc, err
}

func parseConstantVUs(f *fieldReader, sc *Scenario) (err error) {
	if sc.VUs, err = f.count("vus", 1, 1); err != nil {
		return err
	}
	sc.Duration, err = f.requiredDuration("duration")
	return err
}

func parseRampingVUs(f *fieldReader, sc *Scenario) (err error) {
	if sc.StartVUs, err = f.count("startVUs", 1, 0); err != nil {
		return err
	}
	if sc.GracefulRampDown, err = f.duration("gracefulRampDown", defaultGracefulRampDown, false); err != nil {
		return err
	}
	raw, ok := f.fields["stages"]
	if !ok {
		return fmt.Errorf("%s.stages: missing", f.path)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return fmt.Errorf("%s.stages: want an array of {duration, target}", f.path)
	}
	if len(items) == 0 {
		return fmt.Errorf("%s.stages: empty", f.path)
	}
	for i, item := range items {
		st, err := parseStage(item, fmt.Sprintf("%s.stages[%d]", f.path, i))
		if err != nil {
			return err
		}
		sc.Stages = append(sc.Stages, st)
	}
	if sc.Length() <= 0 {
		return fmt.Errorf("%s.stages: total duration must be positive", f.path)
	}
	return nil
}

func parseStage(raw json.RawMessage, path string) (Stage, error) {
	fields, err := objectFields(raw, path)
	if err != nil {
		return Stage{}, err
	}
	f := fieldReader{fields: fields, path: path}
	if err := f.onlyKnown([]string{"duration", "target"}); err != nil {
		return Stage{}, err
	}
	if _, ok := fields["target"]; !ok {
		return Stage{}, fmt.Errorf("%s.target: missing", path)
	}
	var st Stage
	if st.Duration, err = f.duration("duration", 0, true); err != nil {
		return Stage{}, err
	}
	st.Target, err = f.count("target", 0, 0)
	return st, err
}

func parseArrivalRate(f *fieldReader, sc *Scenario) (err error) {
	if _, ok := f.fields["rate"]; !ok {
		return fmt.Errorf("%s.rate: missing", f.path)
	}
	if sc.Rate, err = f.count("rate", 0, 1); err != nil {
		return err
	}
	if sc.TimeUnit, err = f.duration("timeUnit", defaultTimeUnit, false); err != nil {
		return err
	}
	if sc.TimeUnit <= 0 {
		return fmt.Errorf("%s.timeUnit: must be positive", f.path)
	}
	if sc.Duration, err = f.requiredDuration("duration"); err != nil {
		return err
	}
	if _, ok := f.fields["preAllocatedVUs"]; !ok {
		return fmt.Errorf("%s.preAllocatedVUs: missing", f.path)
	}
	if sc.PreAllocatedVUs, err = f.count("preAllocatedVUs", 0, 1); err != nil {
		return err
	}
	if sc.MaxVUs, err = f.count("maxVUs", sc.PreAllocatedVUs, 1); err != nil {
		return err
	}
	if sc.MaxVUs < sc.PreAllocatedVUs {
		return fmt.Errorf("%s.maxVUs: %d is less than preAllocatedVUs %d", f.path, sc.MaxVUs, sc.PreAllocatedVUs)
	}
	return nil
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
