package composecheck

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/repo"
	"github.com/ssebench/ssebench/internal/servers"
)

// testPassword stands in for the Grafana admin password compose.yaml requires.
const testPassword = "composecheck-not-a-secret"

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := repo.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func loadProject(t *testing.T) *types.Project {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := Load(ctx, repoRoot(t), []string{"GRAFANA_ADMIN_PASSWORD=" + testPassword})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	svc, err := p.GetService(name)
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return svc
}

// builtServers lists the servers compose builds from a folder of their own (compose.build).
func builtServers(t *testing.T) []string {
	t.Helper()
	return composeServers(t, func(s servers.Server) bool { return s.Compose.Build != "" })
}

// registryNames lists servers/servers.yaml's servers that compose runs (InCompose), in its order.
func registryNames(t *testing.T) []string {
	t.Helper()
	return composeServers(t, func(servers.Server) bool { return true })
}

// composeServers lists the servers compose runs that keep, in servers.yaml's order.
func composeServers(t *testing.T, keep func(servers.Server) bool) []string {
	t.Helper()
	list, err := servers.Load(filepath.Join(repoRoot(t), servers.RegistryPath))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		if s.InCompose() && keep(s) {
			names = append(names, s.Name)
		}
	}
	return names
}

// envValue returns a service's environment variable after interpolation.
func envValue(svc types.ServiceConfig, name string) string {
	if v, ok := svc.Environment[name]; ok && v != nil {
		return *v
	}
	return ""
}

// requireTool finds a tool `make deps` builds into .tools/bin (or one on PATH). A missing
// tool fails the test unless SSEBENCH_ALLOW_SKIP=1: CI must not pass by skipping.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(repoRoot(t), ".tools", "bin", name)
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv(promrun.EnvAllowSkip) == "1" {
		t.Skipf("%s not found in .tools/bin or on PATH: run `make deps` (skipping because %s=1)", name, promrun.EnvAllowSkip)
	}
	t.Fatalf("%s not found in .tools/bin or on PATH: run `make deps` (set %s=1 to skip instead)", name, promrun.EnvAllowSkip)
	return ""
}

// runTool runs a tool in dir, with extra environment variables, and returns its combined
// output. The deadline is generous: on a loaded machine a compile may take minutes, but
// never forever.
func runTool(t *testing.T, dir, tool string, args ...string) (string, error) {
	t.Helper()
	return runToolEnv(t, dir, nil, tool, args...)
}

func runToolEnv(t *testing.T, dir string, env []string, tool string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// containerArgv is the command line a server's container runs: its Dockerfile's entrypoint
// and command as compose overrides them, or for a published image (nginx, haproxy, caddy)
// compose's command, which their entrypoints hand on to exec "$@" unchanged.
func containerArgv(t *testing.T, svc types.ServiceConfig) []string {
	t.Helper()
	argv := []string(svc.Command)
	if svc.Build != nil {
		dockerfile := svc.Build.Dockerfile
		if !filepath.IsAbs(dockerfile) {
			dockerfile = filepath.Join(svc.Build.Context, dockerfile)
		}
		startup, err := ReadStartup(dockerfile)
		if err != nil {
			t.Fatal(err)
		}
		argv = startup.Argv(svc.Entrypoint, svc.Command)
	}
	if len(argv) == 0 {
		t.Fatalf("%s: no command line to start", svc.Name)
	}
	return argv
}
