package composecheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// containerTree lays out a service's bind mounts under a temporary directory at their
// container paths, so that a tool resolves relative paths (rule_files: rules/*.yml) as
// the container would. Files are copied; directories are linked.
func containerTree(t *testing.T, svc types.ServiceConfig) string {
	t.Helper()
	dir := t.TempDir()
	for _, v := range svc.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(v.Target))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(v.Source)
		if err != nil {
			t.Fatalf("%s: %v", svc.Name, err)
		}
		if fi.IsDir() {
			err = os.Symlink(v.Source, dst)
		} else {
			err = copyFile(v.Source, dst)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// configIn returns the host path, inside a containerTree, of the file --config.file names.
func configIn(t *testing.T, tree string, svc types.ServiceConfig) string {
	t.Helper()
	file := flagValue(svc.Command, "--config.file")
	if file == "" {
		t.Fatalf("%s: no --config.file in its command %v", svc.Name, svc.Command)
	}
	if _, ok := HostPath(svc, file); !ok {
		t.Fatalf("%s: --config.file %s is not a mounted file", svc.Name, file)
	}
	return filepath.Join(tree, filepath.FromSlash(file))
}

func TestPromtoolChecksComposePrometheusConfig(t *testing.T) {
	promtool := requireTool(t, "promtool")
	prom := service(t, loadProject(t), "prometheus")
	tree := containerTree(t, prom)
	config := configIn(t, tree, prom)
	out, err := runTool(t, filepath.Dir(config), promtool, "check", "config", filepath.Base(config))
	if err != nil {
		t.Fatalf("promtool check config (as mounted in the prometheus service): %v\n%s", err, out)
	}
	// The rules are mounted too: promtool must have found and checked them, not an empty glob.
	if !strings.Contains(out, "rule files found") || strings.Contains(out, " 0 rule files found") {
		t.Errorf("promtool checked no rule files; is prometheus/rules mounted at the rule_files glob?\n%s", out)
	}
	checkVersion(t, promtool, prom.Image)
}

func TestAmtoolChecksComposeAlertmanagerConfig(t *testing.T) {
	amtool := requireTool(t, "amtool")
	am := service(t, loadProject(t), "alertmanager")
	tree := containerTree(t, am)
	config := configIn(t, tree, am)
	if out, err := runTool(t, filepath.Dir(config), amtool, "check-config", filepath.Base(config)); err != nil {
		t.Fatalf("amtool check-config (as mounted in the alertmanager service): %v\n%s", err, out)
	}
	checkVersion(t, amtool, am.Image)
}

// TestPromtoolChecksRemoteWriteExample checks the documented remote_write blocks for
// Mimir, Thanos Receive and VictoriaMetrics.
func TestPromtoolChecksRemoteWriteExample(t *testing.T) {
	promtool := requireTool(t, "promtool")
	dir := filepath.Join(repoRoot(t), "prometheus", "compose")
	const file = "remote-write-example.yml"
	out, err := runTool(t, dir, promtool, "check", "config", file)
	if err != nil {
		t.Fatalf("promtool check config %s: %v\n%s", file, err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/push", "/api/v1/receive", "/api/v1/write"} {
		if !strings.Contains(string(data), path) {
			t.Errorf("%s has no remote_write to a %s endpoint", file, path)
		}
	}
}

var toolVersion = regexp.MustCompile(`version (\d+\.\d+\.\d+)`)

// checkVersion keeps the tool that checked a configuration at the image's version, so
// that a check passing here means the same release accepts the file in the container.
func checkVersion(t *testing.T, tool, image string) {
	t.Helper()
	out, err := runTool(t, "", tool, "--version")
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", tool, err, out)
	}
	m := toolVersion.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%s --version printed no version:\n%s", tool, out)
	}
	if tag := strings.TrimPrefix(imageTag(image), "v"); tag != m[1] {
		t.Errorf("%s is %s but compose runs %s: check with the same release", filepath.Base(tool), m[1], image)
	}
}
