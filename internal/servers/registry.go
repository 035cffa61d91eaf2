// Package servers reads servers/servers.yaml, the one list of every proxy under test, builds
// those proxies and starts them by its contract (PORT, HOST, STUB_URL, a health path) as
// internal/proc children. The benchmark runner, the conformance suite and the compose
// generator (compose/gen) share it, so that a server added to the YAML file is picked up by
// all of them.
package servers

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Kinds of server.
const (
	// KindProcess is a server ssebench builds, starts and measures (the default).
	KindProcess = "process"
	// KindExternal is a gateway the user runs elsewhere, reached at URL: its latency is
	// measured, its CPU and memory are not.
	KindExternal = "external"
)

// DefaultHealth is the path a server answers 200 on when it is ready.
const DefaultHealth = "/healthz"

// Server is one entry of servers.yaml.
type Server struct {
	Name      string
	Runtime   string // the runtime family ("Go", "Rust", "Bun", "C"): colours and shares group by it
	Framework string
	// Color is the server's "#rrggbb" in the report's charts.
	Color string
	// WriteupCompare marks the servers of the writeup's 3-way normalized comparison.
	WriteupCompare bool
	// Kind is KindProcess or KindExternal.
	Kind string
	// URL is an external server's base URL (KindExternal only).
	URL string
	// Build is a shell command run in the repository root; it must be idempotent and cached.
	Build string
	// Command is the argv that starts the server, relative to the repository root, with
	// ${VAR}s expanded (Vars).
	Command []string
	// Config is a text/template file rendered into the start's scratch folder (its path is
	// ${CONFIG}) with Vars as data, for servers configured by a file rather than by PORT.
	Config string
	// Env is added to the server's environment, ${VAR}s expanded.
	Env map[string]string
	// Health is the path that answers 200 once the server is ready (DefaultHealth).
	Health string
	// StopSignal is the signal that asks for a graceful stop ("TERM" unless set).
	StopSignal string
	// Headers are sent with every request to this server, ${VAR}s expanded.
	Headers map[string]string
	// Optional servers are run only when named: the default-config pitfalls.
	Optional bool
	// Differences are the conformance checks this server is known to fail, with the reason:
	// the suite reports them as documented differences, and fails when one no longer holds.
	Differences map[string]string
	// Compose describes the server's service in compose.yaml (compose/gen).
	Compose Compose
	// Unavailable, when set, says why the server cannot be built on this machine.
	Unavailable string
}

// Compose is how the compose stack runs a server: from its own Dockerfile (Build) or from a
// published image (Image), with the rendered Config mounted at ConfigPath.
type Compose struct {
	Build      string   `yaml:"build"`       // build context, e.g. servers/go-http
	Image      string   `yaml:"image"`       // pinned image, e.g. nginx:1.22.1
	Command    []string `yaml:"command"`     // the service's command, when not the image's
	ConfigPath string   `yaml:"config_path"` // where the rendered config is mounted in the container
	// Cmdline is the anchored regular expression by which the exporter finds the server's
	// main process in /proc/*/cmdline on the host.
	Cmdline string `yaml:"cmdline"`
	// Healthcheck names the tool the image has to check Health with: bun, bash, wget or
	// none (a scratch image).
	Healthcheck string `yaml:"healthcheck"`
}

// Info is what the outputs say of a server, from its entry: a row of the report's "Servers
// under test", its colour and comparison, and the labels of ssebench_server_info
// (internal/runinfo).
type Info struct {
	Name, Runtime, Framework, Color string
	WriteupCompare                  bool // one of the writeup's 3-way comparison
}

// Info is the entry's Info.
func (s Server) Info() Info {
	return Info{Name: s.Name, Runtime: s.Runtime, Framework: s.Framework, Color: s.Color, WriteupCompare: s.WriteupCompare}
}

// Infos are the Info of each server of list, in order.
func Infos(list []Server) []Info {
	out := make([]Info, len(list))
	for i, s := range list {
		out[i] = s.Info()
	}
	return out
}

// WriteupCompareNames are the servers of list in the writeup's 3-way comparison.
func WriteupCompareNames(list []Info) []string {
	var out []string
	for _, s := range list {
		if s.WriteupCompare {
			out = append(out, s.Name)
		}
	}
	return out
}

// External reports whether the server runs outside ssebench.
func (s Server) External() bool { return s.Kind == KindExternal }

// HealthPath is the server's health path, DefaultHealth when unset.
func (s Server) HealthPath() string {
	if s.Health == "" {
		return DefaultHealth
	}
	return s.Health
}

// entry mirrors the YAML so that the exported type carries no tags.
type entry struct {
	Name        string            `yaml:"name"`
	Runtime     string            `yaml:"runtime"`
	Framework   string            `yaml:"framework"`
	Color       string            `yaml:"color"`
	Compare     bool              `yaml:"writeup_compare"`
	Kind        string            `yaml:"kind"`
	URL         string            `yaml:"url"`
	Build       string            `yaml:"build"`
	Command     []string          `yaml:"command"`
	Config      string            `yaml:"config"`
	Env         map[string]string `yaml:"env"`
	Health      string            `yaml:"health"`
	StopSignal  string            `yaml:"stop_signal"`
	Headers     map[string]string `yaml:"headers"`
	Optional    bool              `yaml:"optional"`
	Differences map[string]string `yaml:"differences"`
	Compose     Compose           `yaml:"compose"`
	Unavailable string            `yaml:"unavailable"`
}

type file struct {
	Servers []entry `yaml:"servers"`
}

var (
	validName  = regexp.MustCompile(`^[a-z0-9-]+$`)
	validColor = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	validVar   = regexp.MustCompile(`\$\{([^}]*)\}`)
)

// Load reads and validates the registry at path. Errors name the file, the line and the field.
func Load(path string) ([]Server, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data)
}

func parse(path string, data []byte) ([]Server, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// A second pass over the node tree gives each entry's line for validation errors,
	// which the decoder into structs cannot report.
	lines, err := entryLines(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(f.Servers) == 0 {
		return nil, fmt.Errorf("%s: no servers listed under \"servers:\"", path)
	}
	seen := map[string]int{}
	colors := map[string]string{}
	out := make([]Server, 0, len(f.Servers))
	for i, e := range f.Servers {
		line := lines[i]
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("%s:%d: server %d (%q): %w", path, line, i+1, e.Name, err)
		}
		if first, dup := seen[e.Name]; dup {
			return nil, fmt.Errorf("%s:%d: field name: %q is already used on line %d", path, line, e.Name, first)
		}
		if other, dup := colors[e.Color]; dup && e.Color != "" {
			return nil, fmt.Errorf("%s:%d: field color: %s is already %s's; each server needs its own", path, line, e.Color, other)
		}
		seen[e.Name], colors[e.Color] = line, e.Name
		out = append(out, e.server())
	}
	return out, nil
}

func (e entry) server() Server {
	kind := e.Kind
	if kind == "" {
		kind = KindProcess
	}
	return Server{Name: e.Name, Runtime: e.Runtime, Framework: e.Framework, Color: e.Color, WriteupCompare: e.Compare, Kind: kind, URL: strings.TrimRight(e.URL, "/"),
		Build: e.Build, Command: e.Command, Config: e.Config, Env: e.Env, Health: e.Health, StopSignal: e.StopSignal,
		Headers: e.Headers, Optional: e.Optional, Differences: e.Differences, Compose: e.Compose, Unavailable: e.Unavailable}
}

func (e entry) validate() error {
	switch {
	case e.Name == "":
		return errors.New("field name: missing")
	case !validName.MatchString(e.Name):
		return fmt.Errorf("field name: %q must match %s", e.Name, validName)
	case strings.TrimSpace(e.Runtime) == "":
		return errors.New("field runtime: missing")
	case strings.TrimSpace(e.Framework) == "":
		return errors.New("field framework: missing")
	case e.Color != "" && !validColor.MatchString(e.Color):
		return fmt.Errorf("field color: %q must be #rrggbb in lower case", e.Color)
	case e.Health != "" && !strings.HasPrefix(e.Health, "/"):
		return fmt.Errorf("field health: %q must be a path starting with /", e.Health)
	}
	if err := e.validateVars(); err != nil {
		return err
	}
	if _, err := signalNamed(e.StopSignal); err != nil {
		return fmt.Errorf("field stop_signal: %w", err)
	}
	switch e.Kind {
	case "", KindProcess:
	case KindExternal:
		return e.validateExternal()
	default:
		return fmt.Errorf("field kind: %q must be %s or %s", e.Kind, KindProcess, KindExternal)
	}
	if e.URL != "" {
		return fmt.Errorf("field url: only for kind: %s (a process's URL is picked when it starts)", KindExternal)
	}
	runnable := e.Build != "" || len(e.Command) > 0
	switch {
	case e.Unavailable != "" && runnable:
		return errors.New("field unavailable: set together with build/command; give either build and command, or unavailable")
	case e.Unavailable != "":
		return nil
	case strings.TrimSpace(e.Build) == "":
		return errors.New("field build: missing (or set unavailable with the reason)")
	case len(e.Command) == 0 || e.Command[0] == "":
		return errors.New("field command: missing (or set unavailable with the reason)")
	}
	return nil
}

func (e entry) validateExternal() error {
	u, err := url.Parse(e.URL)
	switch {
	case e.URL == "":
		return errors.New("field url: missing (an external server is reached at it)")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("field url: %q must be an http:// or https:// base URL", e.URL)
	case u.Path != "" && u.Path != "/":
		return fmt.Errorf("field url: %q must have no path: requests go to <url>/v1/chat/completions", e.URL)
	case e.Build != "" || len(e.Command) > 0 || e.Config != "" || len(e.Env) > 0:
		return errors.New("field build/command/config/env: an external server is not built or started by ssebench")
	}
	return nil
}

// validateVars checks every ${VAR} of command, env and headers names a variable Vars gives.
func (e entry) validateVars() error {
	check := func(field, s string) error {
		for _, m := range validVar.FindAllStringSubmatch(s, -1) {
			if !knownVar[m[1]] {
				return fmt.Errorf("field %s: ${%s} is not one of %s", field, m[1], strings.Join(varNames, ", "))
			}
		}
		return nil
	}
	for _, a := range e.Command {
		if err := check("command", a); err != nil {
			return err
		}
	}
	for k, v := range e.Env {
		if err := check("env."+k, v); err != nil {
			return err
		}
	}
	for k, v := range e.Headers {
		if err := check("headers."+k, v); err != nil {
			return err
		}
	}
	return nil
}

// entryLines returns the line of each item of the top-level servers sequence.
func entryLines(data []byte) ([]int, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("top level must be a mapping with a \"servers\" list")
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "servers" {
			continue
		}
		seq := root.Content[i+1]
		lines := make([]int, len(seq.Content))
		for j, item := range seq.Content {
			lines[j] = item.Line
		}
		return lines, nil
	}
	return nil, nil
}
