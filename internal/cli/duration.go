package cli

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// durationValue is a flag in Prometheus duration syntax, the one every binary takes:
// Go's own (1.5s, 1h0m0.5s, 500us) is refused, so that one spelling works everywhere.
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
	return model.Duration(*d.p).String()
}

// ParseDuration reads a Prometheus duration (500ms, 30s, 5m, 1h30m, 2d, 1w).
func ParseDuration(s string) (time.Duration, error) {
	v, err := model.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: want whole units such as 500ms, 30s, 5m, 1h30m or 2d", s)
	}
	return time.Duration(v), nil
}

// Duration defines a duration flag with default def, in Prometheus syntax.
func (f *FlagSet) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	f.Var(durationValue{p}, name, usage)
}
