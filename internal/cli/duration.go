package cli

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// durationValue is a duration flag. Every binary reads durations the same way: Prometheus
// syntax (2d, 1w, 1h30m) as compare and PromQL users write them, and Go's (1.5s, 500us),
// which the stub's sub-millisecond delays need.
type durationValue struct{ p *time.Duration }

func (d durationValue) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d.p = v
	return nil
}

func (d durationValue) String() string {
	if d.p == nil {
		return "0s"
	}
	return FormatDuration(*d.p)
}

// ParseDuration reads a non-negative duration: Prometheus's syntax (500ms, 30s, 5m, 1h30m,
// 2d, 1w) or Go's (1.5s, 1h0m0.5s, 500us).
func ParseDuration(s string) (time.Duration, error) {
	if v, err := model.ParseDuration(s); err == nil {
		return time.Duration(v), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: want e.g. 500ms, 30s, 5m, 1h30m, 2d or 1.5s", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("%q: a duration here cannot be negative", s)
	}
	return v, nil
}

// FormatDuration writes d the way ParseDuration reads it back: Prometheus style for whole
// milliseconds (2d, 1h30m), Go's otherwise (500µs).
func FormatDuration(d time.Duration) string {
	if d%time.Millisecond != 0 {
		return d.String()
	}
	return model.Duration(d).String()
}

// Duration defines a duration flag with default def.
func (f *FlagSet) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	f.Var(durationValue{p}, name, usage)
}
