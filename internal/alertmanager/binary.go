package alertmanager

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/promrun"
)

// EnvBinary names an Alertmanager binary to use instead of the one built by `make deps`.
const EnvBinary = "SSEBENCH_ALERTMANAGER"

// FindBinary returns the Alertmanager to run: $SSEBENCH_ALERTMANAGER when set, else
// .tools/bin/alertmanager under the repository root, else alertmanager on PATH.
func FindBinary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("alertmanager from $%s: %w", EnvBinary, err)
		}
		return p, nil
	}
	var tried []string
	if root, err := promrun.RepoRoot(); err == nil {
		p := filepath.Join(root, ".tools", "bin", "alertmanager")
		if checkExecutable(p) == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	if p, err := exec.LookPath("alertmanager"); err == nil {
		return p, nil
	}
	tried = append(tried, "$PATH")
	return "", fmt.Errorf("alertmanager not found at %s: run `make deps`", strings.Join(tried, " or in "))
}

// RequireBinary returns the Alertmanager binary for a test. When it is missing the test
// fails, unless SSEBENCH_ALLOW_SKIP=1, in which case it is skipped.
func RequireBinary(t testing.TB) string {
	t.Helper()
	p, err := FindBinary()
	if err == nil {
		return p
	}
	if os.Getenv(promrun.EnvAllowSkip) == "1" {
		t.Skipf("%v (skipping because %s=1)", err, promrun.EnvAllowSkip)
	}
	t.Fatalf("%v (set %s=1 to skip instead)", err, promrun.EnvAllowSkip)
	return ""
}

// DefaultConfigFile is the repository's prometheus/alertmanager.yml.
func DefaultConfigFile() (string, error) {
	dir, err := promrun.BaseConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "alertmanager.yml"), nil
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
