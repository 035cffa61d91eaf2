package promrun

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/repo"
)

// EnvBinary names a Prometheus binary to use instead of the one built by `make deps`.
const EnvBinary = "SSEBENCH_PROMETHEUS"

// EnvAllowSkip, set to 1, lets tests skip when Prometheus is missing. It exists
// for quick local iterations only: CI leaves it unset so that a missing binary
// fails the build instead of silently skipping the tests that need it.
const EnvAllowSkip = "SSEBENCH_ALLOW_SKIP"

// FindBinary returns the Prometheus binary to run: $SSEBENCH_PROMETHEUS when set,
// else .tools/bin/prometheus under the repository root, else prometheus on PATH.
func FindBinary() (string, error) { return FindTool("prometheus", EnvBinary) }

// RequireBinary returns the Prometheus binary for a test. When it is missing the
// test fails, unless SSEBENCH_ALLOW_SKIP=1, in which case it is skipped.
func RequireBinary(t testing.TB) string {
	t.Helper()
	return RequireTool(t, "prometheus", EnvBinary)
}

// FindTool returns one of the pinned tools that `make deps` builds: the path in the
// environment variable env when set, else .tools/bin/<name> under the repository root,
// else <name> on PATH.
func FindTool(name, env string) (string, error) {
	if p := os.Getenv(env); p != "" {
		if err := CheckExecutable(p); err != nil {
			return "", fmt.Errorf("%s from $%s: %w", name, env, err)
		}
		return p, nil
	}
	var tried []string
	if root, err := repo.FindRoot(); err == nil {
		p := filepath.Join(root, ".tools", "bin", name)
		if CheckExecutable(p) == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	tried = append(tried, "$PATH")
	return "", fmt.Errorf("%s not found at %s: run `make deps`", name, strings.Join(tried, " or in "))
}

// RequireTool is FindTool for a test: a missing tool fails the test, unless
// SSEBENCH_ALLOW_SKIP=1, in which case it is skipped.
func RequireTool(t testing.TB, name, env string) string {
	t.Helper()
	p, err := FindTool(name, env)
	if err == nil {
		return p
	}
	if os.Getenv(EnvAllowSkip) == "1" {
		t.Skipf("%v (skipping because %s=1)", err, EnvAllowSkip)
	}
	t.Fatalf("%v (set %s=1 to skip instead)", err, EnvAllowSkip)
	return ""
}

// CheckExecutable says why p cannot be run, or nil.
func CheckExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}
