// Package runinfo describes the machine and toolchains of a benchmark run — what the
// writeup's Machine table shows — and publishes it as the ssebench_run_info series.
package runinfo

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/servers"
)

// Info is one run's machine and versions. Unknown values are "unknown", never empty, so
// that every run has the same label set.
type Info struct {
	TestID      string `json:"testid"`
	CPUModel    string `json:"cpu_model"`
	CPUs        int    `json:"cpus"`
	MemoryBytes uint64 `json:"memory_bytes"`
	OS          string `json:"os"`
	Kernel      string `json:"kernel"`
	GoVersion   string `json:"go_version"`
	BunVersion  string `json:"bun_version"`
	RustVersion string `json:"rust_version"`
	GitCommit   string `json:"git_commit"`
}

const unknown = "unknown"

// Options says where to look; ProcRoot and EtcRoot exist for tests.
type Options struct {
	Root string // repository root, for git and the Bun binary
	// BunBinaries are the Bun executables the servers run on (servers.yaml's Bun servers'
	// commands), relative to Root; the first that exists answers --version.
	BunBinaries []string
	ProcRoot    string // default /proc
	EtcRoot     string // default /etc
}

// Collect reads the machine description. Commands get a short deadline each: a missing or
// hanging toolchain leaves "unknown", never a stuck run.
func Collect(ctx context.Context, testid string, o Options) Info {
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.EtcRoot == "" {
		o.EtcRoot = "/etc"
	}
	return Info{
		TestID:      testid,
		CPUModel:    cpuModel(filepath.Join(o.ProcRoot, "cpuinfo")),
		CPUs:        runtime.NumCPU(),
		MemoryBytes: memTotal(filepath.Join(o.ProcRoot, "meminfo")),
		OS:          osName(filepath.Join(o.EtcRoot, "os-release")),
		Kernel:      firstLine(filepath.Join(o.ProcRoot, "sys/kernel/osrelease")),
		GoVersion:   command(ctx, o.Root, "go", "env", "GOVERSION"),
		BunVersion:  bunVersion(ctx, o.Root, o.BunBinaries),
		RustVersion: firstField(command(ctx, o.Root, "rustc", "--version"), 1),
		GitCommit:   gitCommit(ctx, o.Root),
	}
}

func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return unknown
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return unknown
}

func memTotal(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

func osName(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return unknown
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return unknown
}

func firstLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return unknown
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return unknown
	}
	return s
}

func command(ctx context.Context, dir, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return unknown
	}
	s := strings.TrimSpace(string(bytes.SplitN(out, []byte("\n"), 2)[0]))
	if s == "" {
		return unknown
	}
	return s
}

func firstField(s string, i int) string {
	f := strings.Fields(s)
	if len(f) <= i {
		return s
	}
	return f[i]
}

// bunVersion asks the Bun that the servers run on: it is installed per server from npm.
func bunVersion(ctx context.Context, root string, binaries []string) string {
	for _, bin := range binaries {
		if !filepath.IsAbs(bin) {
			bin = filepath.Join(root, bin)
		}
		if _, err := os.Stat(bin); err == nil {
			return command(ctx, root, bin, "--version")
		}
	}
	return unknown
}

func gitCommit(ctx context.Context, root string) string {
	commit := command(ctx, root, "git", "rev-parse", "--short=12", "HEAD")
	if commit == unknown {
		return unknown
	}
	if status := command(ctx, root, "git", "status", "--porcelain", "--untracked-files=no"); status != unknown {
		commit += "-dirty"
	}
	return commit
}

// Collector publishes Info as ssebench_run_info = 1.
func (i Info) Collector() prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: metricname.RunInfo,
		Help: "The machine and toolchain versions of a benchmark run; always 1.",
		ConstLabels: prometheus.Labels{
			"testid":       i.TestID,
			"cpu_model":    i.CPUModel,
			"cpus":         strconv.Itoa(i.CPUs),
			"memory_bytes": strconv.FormatUint(i.MemoryBytes, 10),
			"os":           i.OS,
			"kernel":       i.Kernel,
			"go_version":   i.GoVersion,
			"bun_version":  i.BunVersion,
			"rust_version": i.RustVersion,
			"git_commit":   i.GitCommit,
		},
	})
	g.Set(1)
	return g
}

// ServersCollector publishes ssebench_server_info = 1 per server of the run, labelled with
// its runtime and framework from the registry, so queries group by runtime without
// guessing it from the name.
func ServersCollector(testid string, list []servers.Info) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name:        metricname.ServerInfo,
		Help:        "Each server of a benchmark run with its runtime and framework from servers.yaml; always 1.",
		ConstLabels: prometheus.Labels{"testid": testid},
	}, []string{"server", "runtime", "framework"})
	for _, s := range list {
		g.WithLabelValues(s.Name, s.Runtime, s.Framework).Set(1)
	}
	return g
}
