package runinfo

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ssebench/ssebench/internal/servers"
)

func TestCollectReadsTheMachineTable(t *testing.T) {
	info := Collect(context.Background(), "t1", Options{Root: t.TempDir(), ProcRoot: "testdata/proc", EtcRoot: "testdata/etc"})
	if info.CPUModel != "Intel(R) Core(TM) i5-7300HQ CPU @ 2.50GHz" {
		t.Errorf("cpu model %q", info.CPUModel)
	}
	if info.MemoryBytes != 8048576*1024 {
		t.Errorf("memory %d", info.MemoryBytes)
	}
	if info.OS != "CachyOS" || info.Kernel != "7.0.12-1-cachyos" {
		t.Errorf("os %q kernel %q", info.OS, info.Kernel)
	}
	if info.BunVersion != unknown {
		t.Errorf("no Bun under an empty root, got %q", info.BunVersion)
	}
	if info.GitCommit != unknown {
		t.Errorf("an empty folder is no git checkout, got %q", info.GitCommit)
	}
}

func TestMissingFilesGiveUnknownNotEmpty(t *testing.T) {
	info := Collect(context.Background(), "t1", Options{Root: t.TempDir(), ProcRoot: t.TempDir(), EtcRoot: t.TempDir()})
	for name, v := range map[string]string{"cpu": info.CPUModel, "os": info.OS, "kernel": info.Kernel} {
		if v != unknown {
			t.Errorf("%s: got %q, want %q", name, v, unknown)
		}
	}
}

func TestCollectorPublishesOneSeries(t *testing.T) {
	info := Info{TestID: "t1", CPUModel: "x", CPUs: 2, OS: "Debian", Kernel: "6", GoVersion: "go1.26.8", BunVersion: "1.4.4", RustVersion: "1.95.0", GitCommit: "abc"}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(info.Collector())
	want := `# HELP ssebench_run_info The machine and toolchain versions of a benchmark run; always 1.
# TYPE ssebench_run_info gauge
ssebench_run_info{bun_version="1.4.4",cpu_model="x",cpus="2",git_commit="abc",go_version="go1.26.8",kernel="6",memory_bytes="0",os="Debian",rust_version="1.95.0",testid="t1"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "ssebench_run_info"); err != nil {
		t.Fatal(err)
	}
}

func TestServersCollectorLabelsEachServerWithItsRuntime(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(ServersCollector("run-1", []servers.Info{{Name: "bun-hono", Runtime: "bun", Framework: "hono"}, {Name: "direct", Runtime: "none", Framework: "stub alone"}}))
	got, err := testutil.GatherAndCount(reg, "ssebench_server_info")
	if err != nil || got != 2 {
		t.Fatalf("%d series (%v), want 2", got, err)
	}
	want := `
# HELP ssebench_server_info Each server of a benchmark run with its runtime and framework from servers.yaml; always 1.
# TYPE ssebench_server_info gauge
ssebench_server_info{framework="hono",runtime="bun",server="bun-hono",testid="run-1"} 1
ssebench_server_info{framework="stub alone",runtime="none",server="direct",testid="run-1"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "ssebench_server_info"); err != nil {
		t.Error(err)
	}
}
