package collector

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/testchild"
)

// BenchmarkScrape8Targets is one /metrics gather with eight live, listening targets, each
// holding an open client connection: the cost the exporter pays every second.
func BenchmarkScrape8Targets(b *testing.B) {
	dir := b.TempDir()
	var targets []exporterconfig.Target
	for i := range 8 {
		child := testchild.Start(b, "listen", fmt.Sprintf("bench-%d", i), "x")
		conn, err := dialTCP(child.Port(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		path := filepath.Join(dir, fmt.Sprintf("s%d.pid", i))
		if err := os.WriteFile(path, []byte(itoa(child.PID)), 0o644); err != nil {
			b.Fatal(err)
		}
		tg, err := exporterconfig.ParseTargetFlag(fmt.Sprintf("s%d:pidfile=%s", i, path))
		if err != nil {
			b.Fatal(err)
		}
		targets = append(targets, tg)
	}
	e, err := New("/proc", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	e.SetTargets(targets)
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	if _, err := reg.Gather(); err != nil { // learn the ports once, as the first real scrape does
		b.Fatal(err)
	}
	b.ReportAllocs()
	// Wall time per scrape depends on what else the machine runs; the CPU the exporter's
	// process spends (user + system, kernel work on its behalf included) is what it costs.
	user0, sys0 := processCPU()
	n := 0
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	user1, sys1 := processCPU()
	perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	b.ReportMetric(perOp(user1-user0+sys1-sys0), "cpu-µs/op")
	b.ReportMetric(perOp(sys1-sys0), "sys-µs/op")
}

// processCPU returns the user and system CPU time of the whole process so far.
func processCPU() (user, system time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
