//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

func scenarioFile(t *testing.T, body string) string {
	path := filepath.Join(t.TempDir(), "scenarios.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A scenario of more connections than the process may open files is refused before anything
// starts, with the numbers and the way to raise the limit.
func TestLoadCommandRefusesMoreConnectionsThanTheFileLimit(t *testing.T) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Max > 1<<24 {
		t.Skipf("no usable open-file limit here (%+v, %v)", rl, err)
	}
	var probed atomic.Int64
	target := sseTarget(t, &probed)
	path := scenarioFile(t, fmt.Sprintf(`{"scenarios":{"huge":{"executor":"constant-vus","vus":%d,"duration":"1h",
		"clients":{"slowReaders":{"count":10}}}}}`, rl.Max))
	status, stdout, stderr := runLoad(t, "--target", target.URL, "--scenarios-file", path, "--scenario", "huge", "--header", "X-Probe: yes")
	if status == 0 || !strings.Contains(stderr, fmt.Sprintf("%d VUs + 10 misbehaving clients", rl.Max)) || !strings.Contains(stderr, "ulimit -n") {
		t.Fatalf("exit %d; want the limit named on stderr\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
	if strings.Contains(stdout, "ssebench load: huge") || probed.Load() != 0 {
		t.Errorf("the run started (%d requests):\n%s", probed.Load(), stdout)
	}
}

// `ssebench load` runs a scenario's misbehaving clients and prints what they did.
func TestLoadCommandRunsTheScenariosClients(t *testing.T) {
	var probed atomic.Int64
	target := sseTarget(t, &probed)
	path := scenarioFile(t, `{"scenarios":{"misbehaving":{"executor":"constant-arrival-rate","rate":20,"duration":"300ms",
		"preAllocatedVUs":2,"maxVUs":4,"gracefulStop":"5s",
		"clients":{"cancel":{"share":0.5},"slowReaders":{"count":1,"bytesPerSecond":1048576}}}}}`)
	status, stdout, stderr := runLoad(t, "--target", target.URL, "--scenarios-file", path, "--scenario", "misbehaving")
	if status != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
	for _, want := range []string{"50 % of arrivals cancelling, 1 slow readers", "cancelling clients: ", " cancels sent (3 started",
		"slow readers: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}
