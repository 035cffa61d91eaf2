// Package servers reads servers/servers.yaml, the registry of every proxy under test, builds
// those proxies and starts them by its contract (PORT, HOST, STUB_URL, /healthz) as
// internal/proc children. The benchmark runner and the conformance suite share it, so that
// a server added to the YAML file is picked up by both.
package servers

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Server is one entry of servers.yaml.
type Server struct {
	Name      string
	Runtime   string
	Framework string
	// Build is a shell command run in the repository root; it must be idempotent and cached.
	Build string
	// Command is the argv that starts the server, relative to the repository root.
	Command []string
	// Unavailable, when set, says why the server cannot be built on this machine.
	Unavailable string
}

// entry mirrors the YAML so that the exported type carries no tags.
type entry struct {
	Name        string   `yaml:"name"`
	Runtime     string   `yaml:"runtime"`
	Framework   string   `yaml:"framework"`
	Build       string   `yaml:"build"`
	Command     []string `yaml:"command"`
	Unavailable string   `yaml:"unavailable"`
}

type file struct {
	Servers []entry `yaml:"servers"`
}

var validName = regexp.MustCompile(`^[a-z0-9-]+$`)

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
	out := make([]Server, 0, len(f.Servers))
	for i, e := range f.Servers {
		line := lines[i]
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("%s:%d: server %d (%q): %w", path, line, i+1, e.Name, err)
		}
		if first, dup := seen[e.Name]; dup {
			return nil, fmt.Errorf("%s:%d: field name: %q is already used on line %d", path, line, e.Name, first)
		}
		seen[e.Name] = line
		out = append(out, Server(e))
	}
	return out, nil
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
