package dashboards

import (
	"bytes"
	"os"
	"testing"

	"go.yaml.in/yaml/v3"
)

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// The dashboards' datasource variable defaults to DatasourceUID: the provisioned
// datasource must carry exactly that uid, or every panel opens on "datasource not found".
func TestProvisionedDatasourceIsTheDashboardsDefault(t *testing.T) {
	var f struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name      string         `yaml:"name"`
			UID       string         `yaml:"uid"`
			Type      string         `yaml:"type"`
			Access    string         `yaml:"access"`
			URL       string         `yaml:"url"`
			IsDefault bool           `yaml:"isDefault"`
			Editable  bool           `yaml:"editable"`
			JSONData  map[string]any `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	readYAML(t, "grafana/provisioning/datasources/prometheus.yaml", &f)
	if f.APIVersion != 1 || len(f.Datasources) != 1 {
		t.Fatalf("want apiVersion 1 and one datasource: %+v", f)
	}
	ds := f.Datasources[0]
	if ds.UID != DatasourceUID || ds.Type != "prometheus" || ds.URL != "http://prometheus:9090" {
		t.Errorf("datasource %+v: want uid %s, type prometheus, url http://prometheus:9090", ds, DatasourceUID)
	}
}

func TestDashboardProviderLoadsTheGeneratedFolder(t *testing.T) {
	var f struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name                  string `yaml:"name"`
			Folder                string `yaml:"folder"`
			Type                  string `yaml:"type"`
			DisableDeletion       bool   `yaml:"disableDeletion"`
			AllowUIUpdates        bool   `yaml:"allowUiUpdates"`
			UpdateIntervalSeconds int    `yaml:"updateIntervalSeconds"`
			Options               struct {
				Path                      string `yaml:"path"`
				FoldersFromFilesStructure bool   `yaml:"foldersFromFilesStructure"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, "grafana/provisioning/dashboards/ssebench.yaml", &f)
	if f.APIVersion != 1 || len(f.Providers) != 1 {
		t.Fatalf("want apiVersion 1 and one provider: %+v", f)
	}
	p := f.Providers[0]
	if p.Type != "file" || p.Options.Path != "/var/lib/grafana/dashboards/ssebench" {
		t.Errorf("provider %+v: want a file provider of /var/lib/grafana/dashboards/ssebench (README's mount point)", p)
	}
}
