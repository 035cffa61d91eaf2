package servers

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// RenderConfig renders s's config template (relative to root) with v and returns the
// rendered text and the file name it takes (the template's without ".tmpl"). A variable
// the template names that v lacks is an error, not an empty string.
func (s Server) RenderConfig(root string, v Vars) (name string, text []byte, err error) {
	path := s.Config
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("%s: config: %w", s.Name, err)
	}
	t, err := template.New(filepath.Base(path)).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return "", nil, fmt.Errorf("%s: config %s: %w", s.Name, s.Config, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, map[string]string(v)); err != nil {
		return "", nil, fmt.Errorf("%s: config %s: %w", s.Name, s.Config, err)
	}
	return strings.TrimSuffix(filepath.Base(path), ".tmpl"), b.Bytes(), nil
}

// writeConfig renders the config into dir and records its path as ${CONFIG}.
func (s Server) writeConfig(root, dir string, v Vars) error {
	name, text, err := s.RenderConfig(root, v)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, text, 0o644); err != nil {
		return fmt.Errorf("%s: config: %w", s.Name, err)
	}
	v[VarConfig] = path
	return nil
}
