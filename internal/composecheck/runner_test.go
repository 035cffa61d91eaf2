package composecheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/ssebench/ssebench/internal/servers"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// These tests run compose/run-k6.sh for real, under BusyBox ash (the shell of the
// grafana/k6 image) and dash. No k6 binary exists on this machine and the compose
// service names do not resolve here, so `k6` and `wget` are stand-ins on PATH: k6
// records its argv, wget answers the readiness check. What is tested is the script's
// own logic: the loop, the arguments, the testid, and its errors.

// standIns writes the two stand-ins; k6 fails for the server named by $K6_FAIL_SERVER
// and wget fails while $WGET_FAIL is set.
func standIns(t *testing.T) (dir, logFile string) {
	t.Helper()
	dir = t.TempDir()
	logFile = filepath.Join(dir, "k6.log")
	k6 := `#!/bin/sh
printf '%s\n' "$*" >> "$K6_LOG"
case " $* " in *" SERVER=${K6_FAIL_SERVER:-none} "*) exit 99 ;; esac
`
	wget := `#!/bin/sh
[ -z "${WGET_FAIL:-}" ]
`
	for name, body := range map[string]string{"k6": k6, "wget": wget} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, logFile
}

type runResult struct {
	exit   int
	stderr string
	k6     []string // one line per k6 invocation: its arguments joined by spaces
}

func runScript(t *testing.T, shell []string, env []string, args ...string) runResult {
	t.Helper()
	bin, logFile := standIns(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	script := filepath.Join(repoRoot(t), "compose", "run-k6.sh")
	cmd := exec.CommandContext(ctx, shell[0], append(append(shell[1:], script), args...)...)
	cmd.Env = append([]string{"PATH=" + bin + ":" + os.Getenv("PATH"), "K6_LOG=" + logFile, "SETTLE_SECONDS=0"}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	res := runResult{stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.exit = exit.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", script, err)
	}
	if data, err := os.ReadFile(logFile); err == nil {
		res.k6 = strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	return res
}

// shells are the shells the script must run under; BusyBox is installed by `make deps`.
func shells(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{"busybox ash": {requireTool(t, "busybox"), "sh"}}
	if dash, err := exec.LookPath("dash"); err == nil {
		out["dash"] = []string{dash}
	}
	return out
}

// k6Args is the k6 command line the script runs for one server and scenario; HEADERS
// carries the server's request headers from servers.yaml (empty for most).
func k6Args(server string, port int, scenario, testid string) string {
	return fmt.Sprintf("run --quiet -o experimental-prometheus-rw -e TARGET=http://%s:%d -e SERVER=%s -e SCENARIO=%s -e TESTID=%s -e HEADERS=%s /ssebench/k6/sse.ts",
		server, port, server, scenario, testid, serverHeaders[server])
}

// serverHeaders are compose's request headers by server, as compose/gen writes them.
var serverHeaders = func() map[string]string {
	_, list, err := servers.LoadRegistry()
	if err != nil {
		panic(err)
	}
	m := map[string]string{}
	for _, s := range list {
		m[s.Name] = s.HeaderLine("http://stub:18080")
	}
	return m
}()

func TestRunnerRunsBothScenariosOnEveryServer(t *testing.T) {
	ports := serverPorts(t, loadProject(t))
	var want []string
	for _, name := range registryNames(t) {
		for _, scenario := range []string{"baseline", "stress"} {
			want = append(want, k6Args(name, ports[name], scenario, "20260101-000000"))
		}
	}
	for shellName, shell := range shells(t) {
		t.Run(shellName, func(t *testing.T) {
			res := runScript(t, shell, []string{"TESTID=20260101-000000"})
			if res.exit != 0 {
				t.Fatalf("exit %d\n%s", res.exit, res.stderr)
			}
			if strings.Join(res.k6, "\n") != strings.Join(want, "\n") {
				t.Errorf("k6 ran\n%s\nwant\n%s", strings.Join(res.k6, "\n"), strings.Join(want, "\n"))
			}
			if !strings.Contains(res.stderr, "var-testid=20260101-000000") {
				t.Errorf("no Grafana link for the testid in:\n%s", res.stderr)
			}
		})
	}
}

func TestRunnerSelectsServersAndScenarios(t *testing.T) {
	ports := serverPorts(t, loadProject(t))
	for shellName, shell := range shells(t) {
		t.Run(shellName, func(t *testing.T) {
			res := runScript(t, shell, []string{"TESTID=x", "SCENARIOS=stress"}, "rust-axum", "go-http")
			want := []string{k6Args("rust-axum", ports["rust-axum"], "stress", "x"), k6Args("go-http", ports["go-http"], "stress", "x")}
			if res.exit != 0 || strings.Join(res.k6, "\n") != strings.Join(want, "\n") {
				t.Errorf("exit %d, k6 ran %q; want exit 0 and %q\n%s", res.exit, res.k6, want, res.stderr)
			}
		})
	}
}

var testidFormat = regexp.MustCompile(`-e TESTID=(\d{8}-\d{6}) `)

func TestRunnerMakesOneTestIDPerRun(t *testing.T) {
	for shellName, shell := range shells(t) {
		t.Run(shellName, func(t *testing.T) {
			res := runScript(t, shell, nil, "go-http", "go-gin")
			if res.exit != 0 || len(res.k6) != 4 {
				t.Fatalf("exit %d, %d k6 runs; want 0 and 4\n%s", res.exit, len(res.k6), res.stderr)
			}
			first := testidFormat.FindStringSubmatch(res.k6[0])
			if first == nil {
				t.Fatalf("testid is not UTC yyyymmdd-hhmmss in %q", res.k6[0])
			}
			for _, line := range res.k6 {
				if m := testidFormat.FindStringSubmatch(line); m == nil || m[1] != first[1] {
					t.Errorf("run %q does not carry the run's testid %s", line, first[1])
				}
			}
		})
	}
}

func TestRunnerRejectsAnUnknownServer(t *testing.T) {
	for shellName, shell := range shells(t) {
		t.Run(shellName, func(t *testing.T) {
			res := runScript(t, shell, nil, "go-http", "apache-httpd")
			if res.exit != 2 || len(res.k6) != 0 || !strings.Contains(res.stderr, `unknown server "apache-httpd"`) {
				t.Errorf("exit %d, k6 ran %q, stderr %q; want exit 2, no run, an error naming apache-httpd", res.exit, res.k6, res.stderr)
			}
		})
	}
}

func TestRunnerGoesOnAfterAFailedRun(t *testing.T) {
	for shellName, shell := range shells(t) {
		t.Run(shellName, func(t *testing.T) {
			res := runScript(t, shell, []string{"TESTID=x", "K6_FAIL_SERVER=go-gin"}, "go-http", "go-gin", "go-fiber")
			if res.exit != 1 || len(res.k6) != 6 || !strings.Contains(res.stderr, "failed: go-gin/baseline go-gin/stress") {
				t.Errorf("exit %d, %d k6 runs, stderr %q; want exit 1, all 6 runs, go-gin's two failures listed", res.exit, len(res.k6), res.stderr)
			}
		})
	}
}

func TestRunnerSkipsAServerThatNeverGetsReady(t *testing.T) {
	ports := serverPorts(t, loadProject(t))
	for shellName, shell := range shells(t) {
		t.Run(shellName, func(t *testing.T) {
			res := runScript(t, shell, []string{"WGET_FAIL=1", "READY_SECONDS=1"}, "bun-hono")
			if res.exit != 1 || len(res.k6) != 0 || !strings.Contains(res.stderr, fmt.Sprintf("bun-hono: http://bun-hono:%d/healthz did not answer", ports["bun-hono"])) {
				t.Errorf("exit %d, k6 ran %q, stderr %q; want exit 1, no run, the unready server named", res.exit, res.k6, res.stderr)
			}
		})
	}
}
