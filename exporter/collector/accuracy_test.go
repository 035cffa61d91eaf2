package collector

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/testchild"
)

// pidstatSeconds is how long pidstat samples the busy child (the test takes about this long).
const pidstatSeconds = 30

// Over 30 s of a busy process, the exporter's CPU seconds agree with pidstat's within 2 %
// (or 0.05 CPU·s) and its resident size within 1 %. The exporter's two scrapes bracket
// pidstat's run, so they include pidstat's start-up and exit: a few milliseconds of CPU.
func TestAccuracyAgainstPidstat(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 30 s; run without -short")
	}
	pidstat, err := exec.LookPath("pidstat")
	if err != nil {
		t.Skip("pidstat not installed (Debian package sysstat; `make deps` installs it): accuracy not compared")
	}
	const holdMB = 100
	child := testchild.Start(t, "spin", "pidstat", strconv.Itoa(holdMB))
	e := newTestExporter(t, "/proc", []exporterconfig.Target{pidfileTarget(t, "busy", child.PID)})

	before := parseSamples(t, scrapeText(t, e))
	cmd := exec.Command(pidstat, "-h", "-u", "-r", "-p", strconv.Itoa(child.PID), "1", strconv.Itoa(pidstatSeconds))
	cmd.Env = append(os.Environ(), "LC_ALL=C", "S_TIME_FORMAT=ISO")
	started := time.Now()
	out, err := cmd.Output()
	wall := time.Since(started)
	if err != nil {
		t.Fatalf("pidstat: %v\n%s", err, out)
	}
	after := parseSamples(t, scrapeText(t, e))

	// pidstat's intervals run a little over one second each (sleep plus its own work), so its
	// mean %CPU is applied to the time it actually ran rather than to 30 × 1 s.
	meanPercent, pidRSS := parsePidstat(t, out)
	pidCPU := meanPercent / 100 * wall.Seconds()
	expCPU := cpuSeconds(t, after, "busy") - cpuSeconds(t, before, "busy")
	tolerance := math.Max(0.02*pidCPU, 0.05)
	t.Logf("CPU seconds over %d s: exporter %.3f, pidstat %.3f (diff %.3f, tolerance %.3f)",
		pidstatSeconds, expCPU, pidCPU, expCPU-pidCPU, tolerance)
	if math.Abs(expCPU-pidCPU) > tolerance {
		t.Errorf("CPU seconds differ by %.3f, more than %.3f", expCPU-pidCPU, tolerance)
	}
	expRSS := after.get(t, "ssebench_process_resident_memory_bytes{server=busy}")
	t.Logf("RSS at steady state: exporter %.2f MiB, pidstat %.2f MiB", expRSS/mib, pidRSS/mib)
	if math.Abs(expRSS-pidRSS) > 0.01*pidRSS {
		t.Errorf("RSS differs by more than 1 %%: exporter %.0f, pidstat %.0f bytes", expRSS, pidRSS)
	}
	if expRSS < holdMB*mib {
		t.Errorf("RSS %.1f MiB below the %d MiB the child holds", expRSS/mib, holdMB)
	}
}

func cpuSeconds(t *testing.T, s samples, server string) float64 {
	t.Helper()
	return s.get(t, "ssebench_process_cpu_seconds_total{mode=user,server="+server+"}") +
		s.get(t, "ssebench_process_cpu_seconds_total{mode=system,server="+server+"}")
}

// parsePidstat returns the mean of %usr+%system over the intervals of `pidstat -h -u -r`
// and the last RSS in bytes.
func parsePidstat(t *testing.T, out []byte) (meanPercent, rssBytes float64) {
	t.Helper()
	var cols map[string]int
	rows := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && fields[0] == "#" {
			cols = map[string]int{}
			for i, f := range fields[1:] {
				cols[f] = i
			}
			continue
		}
		if cols == nil || len(fields) < len(cols) {
			continue
		}
		usr, err1 := strconv.ParseFloat(fields[cols["%usr"]], 64)
		sys, err2 := strconv.ParseFloat(fields[cols["%system"]], 64)
		rss, err3 := strconv.ParseFloat(fields[cols["RSS"]], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("pidstat line %q: %v %v %v", sc.Text(), err1, err2, err3)
		}
		meanPercent += usr + sys
		rssBytes = rss * 1024
		rows++
	}
	if rows != pidstatSeconds {
		t.Fatalf("pidstat printed %d interval lines, want %d:\n%s", rows, pidstatSeconds, out)
	}
	return meanPercent / float64(rows), rssBytes
}
