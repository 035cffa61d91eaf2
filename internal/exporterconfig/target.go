package exporterconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// maxPort bounds TCP ports.
const maxPort = 65535

func (t Target) check() error {
	if t.Server == "" {
		return fmt.Errorf("%starget has no server name", t.where())
	}
	if strings.ContainsAny(t.Server, " \t\n\"\\") {
		return fmt.Errorf("%sserver name %q contains whitespace, a quote or a backslash", t.where(), t.Server)
	}
	set := []string{}
	if t.Pidfile != "" {
		set = append(set, "pidfile")
	}
	if t.Port != 0 {
		set = append(set, "port")
	}
	if t.Exe != "" {
		set = append(set, "exe")
	}
	if t.Comm != "" {
		set = append(set, "comm")
	}
	if t.Cmdline != nil {
		set = append(set, "cmdline")
	}
	switch {
	case len(set) == 0:
		return fmt.Errorf("%starget %q needs one of pidfile, port, exe, comm or cmdline", t.where(), t.Server)
	case len(set) > 1:
		return fmt.Errorf("%starget %q sets %s: give exactly one way to find the process", t.where(), t.Server, strings.Join(set, " and "))
	}
	if t.Port < 0 || t.Port > maxPort {
		return fmt.Errorf("%starget %q: port %d is outside 1..%d", t.where(), t.Server, t.Port, maxPort)
	}
	// The kernel keeps at most 15 bytes of a command name; a longer one could never match.
	if len(t.Comm) > 15 {
		return fmt.Errorf("%starget %q: comm %q is longer than the kernel's 15 bytes; use exe or cmdline", t.where(), t.Server, t.Comm)
	}
	return nil
}

func (t Target) where() string {
	if t.line == 0 {
		return ""
	}
	return fmt.Sprintf("line %d: ", t.line)
}

func (t Target) describe() string {
	if t.line == 0 {
		return "on the command line"
	}
	return fmt.Sprintf("at line %d", t.line)
}

// ParseTargetFlag reads the quick form NAME:KIND=VALUE used by --target, where KIND is
// pidfile, port, exe, comm or cmdline (a regular expression), e.g. go-http:port=8080.
func ParseTargetFlag(s string) (Target, error) {
	name, rule, ok := strings.Cut(s, ":")
	if !ok {
		return Target{}, fmt.Errorf("target %q: want NAME:KIND=VALUE, e.g. go-http:port=8080", s)
	}
	kind, value, ok := strings.Cut(rule, "=")
	if !ok || value == "" {
		return Target{}, fmt.Errorf("target %q: want NAME:KIND=VALUE with a non-empty VALUE", s)
	}
	t := Target{Server: name}
	switch kind {
	case "pidfile":
		t.Pidfile = value
	case "port":
		p, err := strconv.Atoi(value)
		if err != nil || p < 1 || p > maxPort {
			return Target{}, fmt.Errorf("target %q: port %q is not a number in 1..%d", s, value, maxPort)
		}
		t.Port = p
	case "exe":
		t.Exe = value
	case "comm":
		t.Comm = value
	case "cmdline":
		re, err := compileRegexp(value)
		if err != nil {
			return Target{}, fmt.Errorf("target %q: %w", s, err)
		}
		t.Cmdline = re
	default:
		return Target{}, fmt.Errorf("target %q: unknown KIND %q (want pidfile, port, exe, comm or cmdline)", s, kind)
	}
	if err := t.check(); err != nil {
		return Target{}, err
	}
	return t, nil
}
