package benchtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/repo"
)

// RequireBuilt returns the repository root once Prometheus (`make deps-test`) and the stub
// and exporter binaries (`make build`) exist, for tests that drive the real binaries as
// `ssebench run` does. A missing one fails the test, or skips it with SSEBENCH_ALLOW_SKIP=1.
func RequireBuilt(t testing.TB) string {
	t.Helper()
	promrun.RequireBinary(t)
	root, err := repo.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, bin := range []string{"bin/stub", "bin/ssebench-exporter"} {
		if _, err := os.Stat(filepath.Join(root, bin)); err != nil {
			if os.Getenv(promrun.EnvAllowSkip) == "1" {
				t.Skipf("%s missing; run `make build`", bin)
			}
			t.Fatalf("%s missing; run `make build` (or `make test`, which builds first)", bin)
		}
	}
	return root
}
