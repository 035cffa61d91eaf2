package composecheck

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/discovery"
	"github.com/ssebench/ssebench/internal/exporterconfig"
)

// holdEnv makes this test binary, started with a container's argv, wait on stdin: a real
// process whose /proc/<pid>/cmdline is exactly the container's command line.
const holdEnv = "COMPOSECHECK_HOLD_STDIN"

func TestMain(m *testing.M) {
	if os.Getenv(holdEnv) == "1" {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestExporterDiscoveryFindsContainerCommandLines starts, for every server, a process
// whose command line is the one its container runs, and lets the exporter's own finder
// look for it in this machine's /proc with the compose exporter configuration: each
// target must find its own process.
func TestExporterDiscoveryFindsContainerCommandLines(t *testing.T) {
	p := loadProject(t)
	exp := service(t, p, "exporter")
	host, _ := HostPath(exp, envValue(exp, "SSEBENCH_EXPORTER_CONFIG_FILE"))
	cfg, err := exporterconfig.Load(host)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	for _, name := range registryNames(t) {
		argv := containerArgv(t, service(t, p, name))
		cmd := &exec.Cmd{Path: self, Args: argv, Env: append(os.Environ(), holdEnv+"=1")}
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = stdin.Close()
			_ = cmd.Wait()
		})
		pids[name] = cmd.Process.Pid
	}
	finder, err := discovery.NewFinder("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range cfg.Targets {
		want := pids[target.Server]
		// The child is running once Start returns, but its cmdline may still be the
		// parent's until exec completes: poll with a deadline.
		var got discovery.Identity
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, err = finder.Find(target)
			if (err == nil && got.PID == want) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil || got.PID != want {
			line, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(want), "cmdline"))
			t.Errorf("target %s (%s) found %v, %v; want pid %d, whose cmdline is %q",
				target.Server, target.Cmdline, got, err, want, strings.ReplaceAll(string(line), "\x00", " "))
		}
	}
}
