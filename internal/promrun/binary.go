package promrun

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// EnvBinary names a Prometheus binary to use instead of the one built by `make deps`.
const EnvBinary = "SSEBENCH_PROMETHEUS"

// EnvAllowSkip, set to 1, lets tests skip when Prometheus is missing. It exists
// for quick local iterations only: CI leaves it unset so that a missing binary
// fails the build instead of silently skipping the tests that need it.
const EnvAllowSkip = "SSEBENCH_ALLOW_SKIP"

const modulePath = "github.com/ssebench/ssebench"

// FindBinary returns the Prometheus binary to run: $SSEBENCH_PROMETHEUS when set,
// else .tools/bin/prometheus under the repository root, else prometheus on PATH.
func FindBinary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("prometheus from $%s: %w", EnvBinary, err)
		}
		return p, nil
	}
	var tried []string
	if root, err := RepoRoot(); err == nil {
		p := filepath.Join(root, ".tools", "bin", "prometheus")
		if checkExecutable(p) == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := exec.LookPath("prometheus"); err == nil {
		return p, nil
	}
	tried = append(tried, "$PATH")
	return "", fmt.Errorf("prometheus not found at %s: run `make deps`", strings.Join(tried, " or in "))
}

// RequireBinary returns the Prometheus binary for a test. When it is missing the
// test fails, unless SSEBENCH_ALLOW_SKIP=1, in which case it is skipped.
func RequireBinary(t testing.TB) string {
	t.Helper()
	p, err := FindBinary()
	if err == nil {
		return p
	}
	if os.Getenv(EnvAllowSkip) == "1" {
		t.Skipf("%v (skipping because %s=1)", err, EnvAllowSkip)
	}
	t.Fatalf("%v (set %s=1 to skip instead)", err, EnvAllowSkip)
	return ""
}

// RepoRoot walks up from the working directory to the ssebench module root,
// which is where tests run from any package directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the ssebench repository (no go.mod for " + modulePath + " above the working directory)")
		}
		dir = parent
	}
}

func isModuleRoot(goMod string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == modulePath
		}
	}
	return false
}

func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}
