package collector

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/testchild"
)

const mib = 1 << 20

func pidfileTarget(t *testing.T, server string, pid int) exporterconfig.Target {
	t.Helper()
	path := filepath.Join(t.TempDir(), server+".pid")
	if err := os.WriteFile(path, []byte(itoa(pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	tg, err := exporterconfig.ParseTargetFlag(server + ":pidfile=" + path)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// A child burns a known amount of CPU while holding a known amount of touched memory;
// the exporter's figures must bracket those amounts.
func TestLiveChildCPUAndMemory(t *testing.T) {
	const (
		burn   = 0.6 // CPU seconds
		holdMB = 64
	)
	child := testchild.Start(t, "burn", "cpu-mem", fmt.Sprintf("%g:%d", burn, holdMB))
	child.WaitLine(t, "burned", 60*time.Second)
	e := newTestExporter(t, "/proc", []exporterconfig.Target{pidfileTarget(t, "c", child.PID)})
	s := parseSamples(t, scrapeText(t, e))

	if up := s.get(t, "ssebench_process_up{server=c}"); up != 1 {
		t.Fatalf("up = %v", up)
	}
	cpu := s.get(t, "ssebench_process_cpu_seconds_total{mode=user,server=c}") +
		s.get(t, "ssebench_process_cpu_seconds_total{mode=system,server=c}")
	// The child stops at `burn` by its own getrusage; ticks round down by at most 10 ms per
	// mode, and the Go runtime's start-up and the last spin add a little.
	if cpu < burn-0.03 || cpu > burn+0.4 {
		t.Errorf("cpu seconds = %.3f, want %.2f (−0.03/+0.4)", cpu, burn)
	}
	rss := s.get(t, "ssebench_process_resident_memory_bytes{server=c}")
	t.Logf("child burnt %.2f CPU·s holding %d MiB: exporter reads %.3f CPU·s, RSS %.1f MiB", burn, holdMB, cpu, rss/mib)
	if rss < holdMB*mib || rss > (holdMB+60)*mib {
		t.Errorf("resident = %.1f MiB, want %d MiB plus the runtime (<60 MiB)", rss/mib, holdMB)
	}
	if peak := s.get(t, "ssebench_process_resident_memory_peak_bytes{server=c}"); peak < rss {
		t.Errorf("peak resident %.1f MiB below resident %.1f MiB", peak/mib, rss/mib)
	}
	if vm := s.get(t, "ssebench_process_virtual_memory_bytes{server=c}"); vm < rss {
		t.Errorf("virtual %.0f below resident %.0f", vm, rss)
	}
	if th := s.get(t, "ssebench_process_threads{server=c}"); th < 1 {
		t.Errorf("threads = %v", th)
	}
	if fds := s.get(t, "ssebench_process_open_fds{server=c}"); fds < 3 {
		t.Errorf("open fds = %v, want at least stdin, stdout, stderr", fds)
	}
	start := s.get(t, "ssebench_process_start_time_seconds{server=c}")
	if age := float64(time.Now().Unix()) - start; age < -2 || age > 120 {
		t.Errorf("start time %.0f is %.0f s from now", start, age)
	}
	if cs := s.get(t, "ssebench_process_context_switches_total{kind=voluntary,server=c}") +
		s.get(t, "ssebench_process_context_switches_total{kind=nonvoluntary,server=c}"); cs < 1 {
		t.Errorf("context switches = %v", cs)
	}
	if ok := s.get(t, `ssebench_exporter_collector_success{collector=process}`); ok != 1 {
		t.Errorf("process collector success = %v", ok)
	}
}

// A server that listens: the TCP collector finds its port from its own sockets and counts
// an open client connection.
func TestLiveChildTCPConnections(t *testing.T) {
	child := testchild.Start(t, "listen", "tcp", "x")
	conn := dialPort(t, child.Port(t))
	defer conn.Close()
	e := newTestExporter(t, "/proc", []exporterconfig.Target{pidfileTarget(t, "l", child.PID)})
	var s samples
	// The child accepts in its own time: poll until the kernel shows the connection.
	deadline := time.Now().Add(10 * time.Second)
	for {
		s = parseSamples(t, scrapeText(t, e))
		if s["ssebench_server_tcp_connections{server=l,state=established}"] >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if v := s.get(t, "ssebench_server_tcp_connections{server=l,state=listen}"); v != 1 {
		t.Errorf("listen sockets = %v, want 1", v)
	}
	if v := s.get(t, "ssebench_server_tcp_connections{server=l,state=established}"); v != 1 {
		t.Errorf("established = %v, want 1 (only the server's end: the client's local port differs)", v)
	}
}

// The process goes away: up drops to 0, the other series disappear and nothing fails.
func TestLiveChildExits(t *testing.T) {
	child := testchild.Start(t, "sleep", "exits", "x")
	e := newTestExporter(t, "/proc", []exporterconfig.Target{pidfileTarget(t, "gone", child.PID)})
	if s := parseSamples(t, scrapeText(t, e)); s.get(t, "ssebench_process_up{server=gone}") != 1 {
		t.Fatal("child not seen while alive")
	}
	child.Stop()
	s := parseSamples(t, scrapeText(t, e))
	if up := s.get(t, "ssebench_process_up{server=gone}"); up != 0 {
		t.Errorf("up = %v after exit", up)
	}
	if s.has("ssebench_process_cpu_seconds_total{mode=user,server=gone}") {
		t.Error("cpu series still published for an exited process")
	}
	for _, c := range []string{"discovery", "process", "tcp"} {
		if v := s.get(t, "ssebench_exporter_collector_success{collector="+c+"}"); v != 1 {
			t.Errorf("collector %s success = %v: a missing process is not an error", c, v)
		}
	}
}
