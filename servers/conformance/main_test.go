package conformance_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/repo"
)

// parallelWaits bounds the checks that wait side by side (8_limits of every server).
const parallelWaits = 128

// Set by TestMain for every test.
var (
	repoRoot string
	stubBin  string
	report   *reportFile
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(brokenProxyEnv); mode != "" {
		os.Exit(brokenProxyMain(mode))
	}
	os.Exit(setup(m))
}

func setup(m *testing.M) int {
	root, err := repo.FindRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	repoRoot = root
	tmp, err := os.MkdirTemp("", "ssebench-conformance-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if stubBin, err = buildStub(root, tmp); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	if report, err = openReport(os.Getenv("SSEBENCH_CONFORMANCE_REPORT")); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		return 1
	}
	defer report.Close()
	// The waiting half of every server's checks (8_limits, 7_sigterm_drains) runs side by
	// side across servers, each waiting out timers of 10 to 72 seconds on an idle machine:
	// go test's default of one parallel test per core would queue them.
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == strconv.Itoa(runtime.GOMAXPROCS(0)) {
		_ = f.Value.Set(strconv.Itoa(parallelWaits))
	}
	return m.Run()
}

// buildStub builds the real stub, so that every proxy is checked against what the benchmark
// uses. SSEBENCH_STUB_BIN names a prebuilt one instead.
func buildStub(root, dir string) (string, error) {
	if bin := os.Getenv("SSEBENCH_STUB_BIN"); bin != "" {
		return bin, nil
	}
	bin := filepath.Join(dir, "stub")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./stub/cmd/stub")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the stub (./stub/cmd/stub): %v: %s", err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// reportFile appends each check's figures as one JSON line, for notes and CI logs to quote.
type reportFile struct {
	mu sync.Mutex
	f  *os.File
}

func openReport(path string) (*reportFile, error) {
	if path == "" {
		return &reportFile{}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("SSEBENCH_CONFORMANCE_REPORT: %w", err)
	}
	return &reportFile{f: f}, nil
}

func (r *reportFile) Close() {
	if r.f != nil {
		r.f.Close()
	}
}

// record logs a check's figures and appends them to the report file.
func (r *reportFile) record(t testing.TB, server, check string, figures map[string]any) {
	t.Helper()
	line := map[string]any{"server": server, "check": check, "passed": !t.Failed(), "time": time.Now().UTC().Format(time.RFC3339)}
	for k, v := range figures {
		line[k] = v
	}
	b, err := json.Marshal(line)
	if err != nil {
		t.Errorf("report: %v", err)
		return
	}
	t.Logf("figures: %s", b)
	if r.f == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.f.Write(append(b, '\n')); err != nil {
		t.Errorf("report: %v", err)
	}
}
