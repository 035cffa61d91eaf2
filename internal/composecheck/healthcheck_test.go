package composecheck

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/servers"
)

// TestServerHealthChecksAgainstRealServers runs each distinct server health check of
// compose.yaml (the Bun one, the Debian bash one) as the container would, against a real
// server built by `make build` and listening on 127.0.0.1: it must pass while the server
// serves and fail once it has stopped. The images' own tools are stood in for by the
// same tools here (bash; the server's own bun from its node_modules).
func TestServerHealthChecksAgainstRealServers(t *testing.T) {
	p := loadProject(t)
	root := repoRoot(t)
	registry, err := servers.Load(filepath.Join(root, servers.RegistryPath))
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]bool{}
	for _, srv := range registry {
		if !srv.InCompose() {
			continue
		}
		hc := service(t, p, srv.Name).HealthCheck
		if hc == nil {
			continue
		}
		if len(hc.Test) < 2 || hc.Test[0] != "CMD" {
			t.Errorf("%s: health check %q is not the exec form [CMD, …]", srv.Name, hc.Test)
			continue
		}
		key := strings.Join(hc.Test, "\x00")
		if tested[key] {
			continue
		}
		tested[key] = true
		argv := slices.Clone(hc.Test[1:])
		t.Run(srv.Name, func(t *testing.T) {
			argv[0] = localTool(t, root, srv, argv[0])
			checkHealthCheck(t, root, srv, argv)
		})
	}
	if len(tested) < 2 {
		t.Errorf("tested %d distinct server health checks, want the Bun and the Debian one", len(tested))
	}
}

// localTool maps a tool the image provides to one on this machine: the server's own
// runtime when its command starts with it (bun), else the tool on PATH (bash).
func localTool(t *testing.T, root string, srv servers.Server, tool string) string {
	t.Helper()
	if filepath.Base(srv.Command[0]) == tool {
		p := filepath.Join(root, srv.Command[0])
		if _, err := os.Stat(p); err != nil {
			skipOrFail(t, srv.Name+" is not built ("+err.Error()+"): run `make build`")
		}
		return p
	}
	p, err := exec.LookPath(tool)
	if err != nil {
		skipOrFail(t, tool+" is not installed")
	}
	return p
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv(promrun.EnvAllowSkip) == "1" {
		t.Skipf("%s (skipping because %s=1)", why, promrun.EnvAllowSkip)
	}
	t.Fatalf("%s (set %s=1 to skip instead)", why, promrun.EnvAllowSkip)
}

func checkHealthCheck(t *testing.T, root string, srv servers.Server, argv []string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root, srv.Command[0])); err != nil {
		skipOrFail(t, srv.Name+" is not built ("+err.Error()+"): run `make build`")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The stub is not needed: /healthz never touches the upstream.
	proc, err := servers.Start(ctx, root, srv, servers.StartOptions{StubURL: "http://127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proc.Stop(context.Background()) }()
	_, port, _ := net.SplitHostPort(proc.Addr())
	env := []string{"PORT=" + port}
	if out, err := runToolEnv(t, root, env, argv[0], argv[1:]...); err != nil {
		t.Fatalf("health check %q failed against a serving %s: %v\n%s", argv, srv.Name, err, out)
	}
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer stopCancel()
	if err := proc.Stop(stopCtx); err != nil {
		t.Logf("stopping %s: %v", srv.Name, err)
	}
	if out, err := runToolEnv(t, root, env, argv[0], argv[1:]...); err == nil {
		t.Errorf("health check %q passed with %s stopped\n%s", argv, srv.Name, out)
	}
}
