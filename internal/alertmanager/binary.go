package alertmanager

import (
	"path/filepath"
	"testing"

	"github.com/ssebench/ssebench/internal/promrun"
)

// EnvBinary names an Alertmanager binary to use instead of the one built by `make deps`.
const EnvBinary = "SSEBENCH_ALERTMANAGER"

// FindBinary returns the Alertmanager to run: $SSEBENCH_ALERTMANAGER when set, else
// .tools/bin/alertmanager under the repository root, else alertmanager on PATH.
func FindBinary() (string, error) { return promrun.FindTool("alertmanager", EnvBinary) }

// RequireBinary returns the Alertmanager binary for a test. When it is missing the test
// fails, unless SSEBENCH_ALLOW_SKIP=1, in which case it is skipped.
func RequireBinary(t testing.TB) string {
	t.Helper()
	return promrun.RequireTool(t, "alertmanager", EnvBinary)
}

// DefaultConfigFile is the repository's prometheus/alertmanager.yml.
func DefaultConfigFile() (string, error) {
	dir, err := promrun.BaseConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "alertmanager.yml"), nil
}
