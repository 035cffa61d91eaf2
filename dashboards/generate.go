// Package dashboards generates ssebench's Grafana dashboards from the query catalog.
//
// Three dashboards: Run (run.go), Trends (trends.go) and Servers (servers.go). Each row of
// the run dashboard is built in its own row_*.go file; every expression comes
// verbatim from internal/catalog. `make dashboards` writes the JSON that Grafana's file
// provisioning loads (dashboards/grafana/dashboards).
package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// File is one generated dashboard and the file name it is committed under.
type File struct {
	Name      string
	Dashboard dashboard.Dashboard
}

// All builds every dashboard.
func All() ([]File, error) {
	run, err := Run()
	if err != nil {
		return nil, fmt.Errorf("run dashboard: %w", err)
	}
	trends, err := Trends()
	if err != nil {
		return nil, fmt.Errorf("trends dashboard: %w", err)
	}
	servers, err := Servers()
	if err != nil {
		return nil, fmt.Errorf("servers dashboard: %w", err)
	}
	return []File{
		{Name: "ssebench-run.json", Dashboard: run},
		{Name: "ssebench-trends.json", Dashboard: trends},
		{Name: "ssebench-servers.json", Dashboard: servers},
	}, nil
}

// Marshal is the committed form: indented, with a final newline, stable across runs.
func Marshal(d dashboard.Dashboard) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write generates every dashboard into dir.
func Write(dir string) error {
	files, err := All()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		data, err := Marshal(f.Dashboard)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
