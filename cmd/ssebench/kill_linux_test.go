//go:build linux

package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/lockedbuf"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/repo"
)

// loadingRun is a real `ssebench run` of go-http, started and read until its load runs.
type loadingRun struct {
	cmd      *exec.Cmd
	out      io.Reader // the rest of its stdout
	stderr   *lockedbuf.Buffer
	children []int // the stub, the exporter, Prometheus and go-http
}

func startLoadingRun(t *testing.T, testid string) *loadingRun {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real run")
	}
	promrun.RequireBinary(t)
	root, err := repo.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin", "ssebench")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s missing: run `make build`", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	r := &loadingRun{stderr: &lockedbuf.Buffer{}}
	r.cmd = exec.CommandContext(ctx, bin, "run", "--servers", "go-http", "--scenarios", "baseline", "--quick-factor", "0.5",
		"--no-reference", "--no-report", "--testid", testid, "--data-dir", t.TempDir(), "--report-dir", t.TempDir())
	r.cmd.Dir = root
	r.cmd.Stderr = r.stderr
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	lines := bufio.NewScanner(out)
	loading := false
	for !loading && lines.Scan() {
		loading = strings.Contains(lines.Text(), "go-http") && strings.Contains(lines.Text(), "req/s")
	}
	if !loading {
		t.Fatalf("the run ended before its load started: %s", r.stderr.String())
	}
	r.out = out
	r.children = childrenOf(t, r.cmd.Process.Pid)
	if len(r.children) < 4 {
		t.Fatalf("want the stub, the exporter, Prometheus and go-http as children, found %v", r.children)
	}
	return r
}

// requireChildrenGone fails when any child still runs 10 s on.
func (r *loadingRun) requireChildrenGone(t *testing.T, after string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range r.children {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("child %d (%s) still runs 10 s after %s", pid, comm(pid), after)
			}
			time.Sleep(50 * time.Millisecond) // polls the kernel's process table; nothing to wait on
		}
	}
}

// `kill -9` of `ssebench run` mid-scenario leaves nothing running: the stub, the exporter,
// Prometheus and the server under test all die with it (Pdeathsig), so no port stays taken
// and nothing measures on.
func TestKill9OfRunLeavesNoChildren(t *testing.T) {
	r := startLoadingRun(t, "kill9")
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = r.cmd.Wait()
	r.requireChildrenGone(t, "kill -9 of ssebench run")
}

// A first Ctrl-C stops the run in order; a second quits at once, children included.
func TestSecondInterruptQuitsAtOnce(t *testing.T) {
	r := startLoadingRun(t, "ctrl-c")
	if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// The first interrupt is taken: the run says so on stderr before the second is sent.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(r.stderr.String(), "Ctrl-C again"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the first interrupt was not acknowledged: %s", r.stderr.String())
		}
	}
	sent := time.Now()
	if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, r.out) }()
	_ = r.cmd.Wait()
	if waited := time.Since(sent); waited > 3*time.Second {
		t.Errorf("the second interrupt took %s to end the run", waited)
	}
	r.requireChildrenGone(t, "the second interrupt")
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _ := statField(n, 1); ppid == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}

// statField returns field i after the command name of /proc/<pid>/stat (0 = state, 1 = ppid).
func statField(pid, i int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if i >= len(fields) {
		return "", false
	}
	return fields[i], true
}

// alive is false once the process is gone or a zombie (dead, not yet reaped).
func alive(pid int) bool {
	state, ok := statField(pid, 0)
	return ok && state != "Z" && state != "X"
}

func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}
