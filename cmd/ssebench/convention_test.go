package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/repo"
)

// The command-line convention (internal/cli, docs/cli.md) held by every binary as a user
// runs it: the real ssebench, stub and ssebench-exporter, built from this tree.

type binaries struct{ ssebench, stub, exporter string }

func buildBinaries(t *testing.T) binaries {
	t.Helper()
	root, err := repo.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", dir+"/", "./cmd/ssebench", "./stub/cmd/stub", "./exporter/cmd/ssebench-exporter")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return binaries{filepath.Join(dir, "ssebench"), filepath.Join(dir, "stub"), filepath.Join(dir, "ssebench-exporter")}
}

type invocation struct {
	name string
	bin  string
	args []string
	env  []string // besides PATH and HOME; nothing else of the test's environment leaks in
}

type result struct {
	code           int
	stdout, stderr string
}

func (inv invocation) run(t *testing.T) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, inv.bin, inv.args...)
	cmd.Dir = t.TempDir() // no repository around: nothing may depend on it before the flags are read
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, inv.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %q: %v", inv.bin, inv.args, err)
	}
	return result{code, stdout.String(), stderr.String()}
}

func TestEveryBinaryFollowsTheConvention(t *testing.T) {
	b := buildBinaries(t)
	t.Run("help exits 0 with usage and examples on stdout", func(t *testing.T) {
		for _, inv := range []invocation{
			{"ssebench", b.ssebench, []string{"--help"}, nil},
			{"ssebench help run", b.ssebench, []string{"help", "run"}, nil},
			{"run", b.ssebench, []string{"run", "-h"}, nil},
			{"load", b.ssebench, []string{"load", "--help"}, nil},
			{"report", b.ssebench, []string{"report", "-h"}, nil},
			{"compare", b.ssebench, []string{"compare", "--help"}, nil},
			{"version", b.ssebench, []string{"version", "-h"}, nil},
			{"stub", b.stub, []string{"-h"}, nil},
			{"exporter", b.exporter, []string{"--help"}, nil},
		} {
			r := inv.run(t)
			if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Usage") || !strings.Contains(r.stdout, "Examples") {
				t.Errorf("%s: exit %d, stderr %q, stdout:\n%s\nwant 0, nothing on stderr, Usage and Examples on stdout", inv.name, r.code, r.stderr, r.stdout)
			}
		}
	})
	t.Run("a usage error exits 2 with one line naming it", func(t *testing.T) {
		for _, tc := range []struct {
			invocation
			names string
		}{
			{invocation{"no command", b.ssebench, nil, nil}, "give a command"},
			{invocation{"unknown command", b.ssebench, []string{"rnu"}, nil}, `"rnu"`},
			{invocation{"run flag", b.ssebench, []string{"run", "--bogus"}, nil}, "-bogus"},
			{invocation{"load flag", b.ssebench, []string{"load", "--bogus"}, nil}, "-bogus"},
			{invocation{"report flag", b.ssebench, []string{"report", "--bogus"}, nil}, "-bogus"},
			{invocation{"compare flag", b.ssebench, []string{"compare", "--bogus", "x", "a", "b"}, nil}, "-bogus"},
			{invocation{"stub flag", b.stub, []string{"--bogus"}, nil}, "-bogus"},
			{invocation{"exporter flag", b.exporter, []string{"--bogus"}, nil}, "-bogus"},
			{invocation{"run env", b.ssebench, []string{"run"}, []string{"SSEBENCH_TRIALS=many"}}, `$SSEBENCH_TRIALS="many"`},
			{invocation{"load env", b.ssebench, []string{"load"}, []string{"SSEBENCH_QUICK_FACTOR=fast"}}, `$SSEBENCH_QUICK_FACTOR="fast"`},
			{invocation{"report env", b.ssebench, []string{"report"}, []string{"SSEBENCH_LOOKBACK=soon"}}, `$SSEBENCH_LOOKBACK="soon"`},
			{invocation{"compare env", b.ssebench, []string{"compare", "a", "b"}, []string{"SSEBENCH_THRESHOLD=lots"}}, `$SSEBENCH_THRESHOLD="lots"`},
			{invocation{"stub env", b.stub, nil, []string{"STUB_TOKENS=many"}}, `$STUB_TOKENS="many"`},
			{invocation{"exporter env", b.exporter, nil, []string{"SSEBENCH_EXPORTER_TARGET=nocolon"}}, `$SSEBENCH_EXPORTER_TARGET="nocolon"`},
		} {
			r := tc.run(t)
			if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.names) {
				t.Errorf("%s: exit %d, stderr %q; want 2 and one line naming %s", tc.name, r.code, r.stderr, tc.names)
			}
		}
	})
	t.Run("--version prints the same version everywhere", func(t *testing.T) {
		versions := map[string]bool{}
		for _, inv := range []invocation{
			{"ssebench", b.ssebench, []string{"--version"}, nil},
			{"ssebench version", b.ssebench, []string{"version"}, nil},
			{"ssebench run", b.ssebench, []string{"run", "--version"}, nil},
			{"ssebench load", b.ssebench, []string{"load", "--version"}, nil},
			{"ssebench report", b.ssebench, []string{"report", "--version"}, nil},
			{"ssebench compare", b.ssebench, []string{"compare", "--version"}, nil},
			{"stub", b.stub, []string{"--version"}, nil},
			{"ssebench-exporter", b.exporter, []string{"--version"}, nil},
		} {
			r := inv.run(t)
			name := strings.TrimSuffix(inv.name, " version")
			v, ok := strings.CutPrefix(strings.TrimSpace(r.stdout), name+" ")
			if r.code != 0 || !ok || v == "" {
				t.Errorf("%s --version: exit %d, stdout %q, stderr %q", inv.name, r.code, r.stdout, r.stderr)
				continue
			}
			versions[v] = true
		}
		if len(versions) != 1 {
			t.Errorf("the binaries disagree on their version: %v", versions)
		}
	})
	t.Run("durations read the same everywhere", func(t *testing.T) {
		// --version after a duration flag: exit 0 when the value parsed, 2 when it did not.
		durationFlags := []invocation{
			{"run --sweep-step", b.ssebench, []string{"run", "--sweep-step"}, nil},
			{"report --lookback", b.ssebench, []string{"report", "--lookback"}, nil},
			{"compare --lookback", b.ssebench, []string{"compare", "--lookback"}, nil},
			{"stub --stall", b.stub, []string{"--stall"}, nil},
		}
		for _, value := range []string{"2d", "1h30m", "1h0m0.5s", "500us", "1.5", "-1s", "soon"} {
			accepted := value != "1.5" && value != "-1s" && value != "soon"
			for _, inv := range durationFlags {
				inv.args = append(append([]string{}, inv.args...), value, "--version")
				r := inv.run(t)
				if accepted && r.code != 0 || !accepted && r.code != 2 {
					t.Errorf("%s %s: exit %d (stderr %q); want it %s", inv.name, value, r.code, r.stderr, map[bool]string{true: "accepted", false: "refused"}[accepted])
				}
			}
		}
	})
}
