// Package exporterconfig loads the exporter's YAML configuration: the targets whose processes it
// watches and the SSE probe modules. Decoding is strict: an unknown key or a bad value is an
// error that names its line.
package exporterconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration file.
type Config struct {
	Targets []Target          `yaml:"targets,omitempty"`
	Modules map[string]Module `yaml:"modules,omitempty"`

	moduleLines map[string]int
}

// Target is one server to watch; exactly one of the discovery fields is set.
type Target struct {
	Server  string  `yaml:"server"`
	Pidfile string  `yaml:"pidfile,omitempty"`
	Port    int     `yaml:"port,omitempty"`
	Exe     string  `yaml:"exe,omitempty"`
	Comm    string  `yaml:"comm,omitempty"`
	Cmdline *Regexp `yaml:"cmdline,omitempty"`

	line int // where the target starts in its file, for error messages; 0 for flags
}

// Method names the way a target's process is found.
func (t Target) Method() string {
	switch {
	case t.Pidfile != "":
		return "pidfile"
	case t.Port != 0:
		return "port"
	case t.Exe != "":
		return "exe"
	case t.Comm != "":
		return "comm"
	case t.Cmdline != nil:
		return "cmdline"
	}
	return ""
}

// Key identifies a target's discovery rule: a reload that keeps the key keeps the process identity.
func (t Target) Key() string {
	v := ""
	switch t.Method() {
	case "pidfile":
		v = t.Pidfile
	case "port":
		v = fmt.Sprint(t.Port)
	case "exe":
		v = t.Exe
	case "comm":
		v = t.Comm
	case "cmdline":
		v = t.Cmdline.String()
	}
	return t.Server + "\x00" + t.Method() + "\x00" + v
}

// Module is one way of probing an SSE endpoint.
type Module struct {
	// AllowedTargets are the only host:port pairs /probe may send this module's
	// request to. Empty: loopback IP addresses only, and only when the exporter
	// itself listens on loopback only (see the probe package and docs/security.md).
	AllowedTargets []HostPort        `yaml:"allowed_targets,omitempty"`
	Method         string            `yaml:"method,omitempty"`
	Body           string            `yaml:"body,omitempty"`
	Headers        map[string]string `yaml:"headers,omitempty"`
	Timeout        Duration          `yaml:"timeout,omitempty"`
	TimeoutOffset  Duration          `yaml:"timeout_offset,omitempty"`
	MinEvents      int               `yaml:"min_events,omitempty"`
	MaxEventGap    Duration          `yaml:"max_event_gap,omitempty"`
	RequireDone    *bool             `yaml:"require_done,omitempty"`
	Buffering      Buffering         `yaml:"buffering,omitempty"`
}

// Buffering is the rule that tells a streamed answer from one a proxy held back and
// released at once. Each configured bound must hold; zero values switch a bound off.
type Buffering struct {
	// MinFirstToLast: the first event must arrive at least this long before the last.
	MinFirstToLast Duration `yaml:"min_first_to_last,omitempty"`
	// MaxFirstEventFraction: the first event must arrive within this fraction (0..1) of the
	// stream's duration, measured from the request.
	MaxFirstEventFraction float64 `yaml:"max_first_event_fraction,omitempty"`
}

// Defaults applied to modules.
const (
	DefaultProbeTimeout  = 10 * time.Second
	DefaultTimeoutOffset = 500 * time.Millisecond
	// MaxProbeTimeout is the longest a module's timeout may be: a probe holds a
	// connection and one of the exporter's few probe slots for that long.
	MaxProbeTimeout = time.Minute
	// DefaultModuleName is the built-in module used when the config names none.
	DefaultModuleName = "chat"
)

// DefaultModule streams one short completion from the stub (or a proxy in front of it) and
// expects a prompt first event, steady tokens and the closing [DONE].
func DefaultModule() Module {
	done := true
	return Module{
		Method: "POST",
		Body:   `{"model":"stub","stream":true,"messages":[{"role":"user","content":"probe"}]}`,
		Headers: map[string]string{
			"Content-Type":               "application/json",
			"X-Stub-Tokens":              "10",
			"X-Stub-Time-To-First-Token": "50ms",
			"X-Stub-Inter-Token-Delay":   "20ms",
		},
		Timeout:       Duration(DefaultProbeTimeout),
		TimeoutOffset: Duration(DefaultTimeoutOffset),
		MinEvents:     10,
		MaxEventGap:   Duration(200 * time.Millisecond),
		RequireDone:   &done,
		Buffering:     Buffering{MinFirstToLast: Duration(100 * time.Millisecond), MaxFirstEventFraction: 0.5},
	}
}

// WantDone reports whether the module requires the closing [DONE] event (the default).
func (m Module) WantDone() bool { return m.RequireDone == nil || *m.RequireDone }

// Load reads and checks a configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes and checks configuration text; source names it in errors.
func Parse(data []byte, source string) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %w", source, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: line %d: only one YAML document is allowed", source, extra.Line)
	}
	c.recordLines(data)
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("config %s: %w", source, err)
	}
	return &c, nil
}

// Merge adds targets given outside the file (flags); server names must stay unique.
func (c *Config) Merge(targets []Target) error {
	c.Targets = append(c.Targets, targets...)
	return c.checkUniqueServers()
}

// Module returns the named module; the built-in default answers to its name unless the
// file defines a module of that name.
func (c *Config) Module(name string) (Module, bool) {
	if m, ok := c.Modules[name]; ok {
		return m, true
	}
	if name == DefaultModuleName {
		return DefaultModule(), true
	}
	return Module{}, false
}

func (c *Config) check() error {
	for _, t := range c.Targets {
		if err := t.check(); err != nil {
			return err
		}
	}
	if err := c.checkUniqueServers(); err != nil {
		return err
	}
	for name, m := range c.Modules {
		if err := m.check(); err != nil {
			return fmt.Errorf("line %d: module %q: %w", c.moduleLines[name], name, err)
		}
	}
	return nil
}

func (c *Config) checkUniqueServers() error {
	seen := map[string]Target{}
	for _, t := range c.Targets {
		if first, dup := seen[t.Server]; dup {
			return fmt.Errorf("%sserver %q is listed twice (first %s)", t.where(), t.Server, first.describe())
		}
		seen[t.Server] = t
	}
	return nil
}

// recordLines notes where each target and module starts, so that checks made after
// decoding can still name a line. The text already decoded, so it parses again.
func (c *Config) recordLines(data []byte) {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return
	}
	doc := root.Content[0]
	c.moduleLines = map[string]int{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		switch key.Value {
		case "targets":
			for j, item := range val.Content {
				if j < len(c.Targets) {
					c.Targets[j].line = item.Line
				}
			}
		case "modules":
			for j := 0; j+1 < len(val.Content); j += 2 {
				c.moduleLines[val.Content[j].Value] = val.Content[j].Line
			}
		}
	}
}
