package exporterconfig

import (
	"fmt"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in Go syntax ("250ms", "2s").
type Duration time.Duration

// UnmarshalYAML rejects anything but a non-negative Go duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a duration such as 250ms, got a %s", n.Line, kindName(n.Kind))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as 250ms", n.Line, n.Value)
	}
	if v < 0 {
		return fmt.Errorf("line %d: duration %q is negative", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the Go syntax UnmarshalYAML reads.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Regexp is a regular expression anchored at neither end, compiled when the file is read.
type Regexp struct{ *regexp.Regexp }

// MarshalYAML writes the expression as it was given.
func (r Regexp) MarshalYAML() (any, error) {
	if r.Regexp == nil {
		return nil, nil
	}
	return r.String(), nil
}

// UnmarshalYAML compiles the expression so that a bad one fails the load, naming its line.
func (r *Regexp) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a regular expression, got a %s", n.Line, kindName(n.Kind))
	}
	re, err := compileRegexp(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*r = *re
	return nil
}

func compileRegexp(s string) (*Regexp, error) {
	if s == "" {
		return nil, fmt.Errorf("empty cmdline regular expression would match every process")
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("bad cmdline regular expression: %w", err)
	}
	return &Regexp{re}, nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}
