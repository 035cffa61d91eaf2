package cputime

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// meterCase is one source under test: the options that select it, and why it cannot run here.
type meterCase struct {
	name    string
	opts    Options
	source  string // Source() must start with this
	skipWhy string // non-empty: skip, saying why
}

// meterCases are the three sources. The cgroup cases are skipped only where no cgroup can
// be made (not root, nothing delegated); where one can, the meter must use it.
func meterCases(t *testing.T) []meterCase {
	noCgroups := t.TempDir()
	return []meterCase{
		{name: "cgroup v1", opts: Options{}, source: SourceCgroupV1, skipWhy: canMakeCgroup("/sys/fs/cgroup/cpuacct")},
		v2Case(t),
		{name: "proc fallback", opts: Options{CgroupRoot: noCgroups}, source: "/proc/PID/stat"},
	}
}

// v2Case points the meter at the real cgroup2 mount through a root that has no v1
// hierarchies, so that v2 is the first choice even on a hybrid machine.
func v2Case(t *testing.T) meterCase {
	c := meterCase{name: "cgroup v2", source: SourceCgroupV2}
	mount, err := v2Root("/sys/fs/cgroup")
	if err != nil {
		c.skipWhy = err.Error()
		return c
	}
	m, err := readMembership("/proc", os.Getpid())
	if err != nil || !m.InV2 {
		c.skipWhy = fmt.Sprintf("this process has no cgroup v2 group (%v)", err)
		return c
	}
	// A child starts in this process's group, so the meter makes its group there.
	if c.skipWhy = canMakeCgroup(filepath.Join(mount, m.V2)); c.skipWhy != "" {
		return c
	}
	root := t.TempDir()
	if err := os.Symlink(mount, filepath.Join(root, "unified")); err != nil {
		t.Fatal(err)
	}
	c.opts = Options{CgroupRoot: root}
	return c
}

// canMakeCgroup says why no group can be made in dir, or "" when one can.
func canMakeCgroup(dir string) string {
	probe := filepath.Join(dir, fmt.Sprintf("ssebench-probe-%d", os.Getpid()))
	if err := os.Mkdir(probe, 0o755); err != nil {
		return fmt.Sprintf("cannot make a cgroup (uid %d): %v", os.Getuid(), err)
	}
	_ = os.Remove(probe)
	return ""
}

// skipIfUnavailable skips a cgroup case on a machine where no group can be made.
func (c meterCase) skipIfUnavailable(t *testing.T) {
	t.Helper()
	if c.skipWhy != "" {
		t.Skip(c.skipWhy)
	}
}

func (c meterCase) attach(t *testing.T, name string, pid int) *Meter {
	t.Helper()
	m, err := c.opts.Attach(name, pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	if !strings.HasPrefix(m.Source(), c.source) {
		t.Fatalf("source = %q, want %s", m.Source(), c.source)
	}
	return m
}

var doneLine = regexp.MustCompile(`^done self_ns=(\d+) work_ns=(\d+)$`)

// A child burns CPU in threads that exit: the meter counts them, the live threads'
// schedstat sum cannot.
func TestMeterCountsExitedThreads(t *testing.T) {
	for _, c := range meterCases(t) {
		t.Run(c.name, func(t *testing.T) {
			c.skipIfUnavailable(t)
			ch := startTestChild(t, "threads")
			m := c.attach(t, "test-threads", ch.pid)
			ch.send(t, "go")
			fields := doneLine.FindStringSubmatch(ch.waitLine(t, "done"))
			if fields == nil {
				t.Fatal("child printed a malformed done line")
			}
			self, work := nanos(fields[1]), nanos(fields[2])
			usage, err := m.Usage()
			if err != nil {
				t.Fatal(err)
			}
			live := liveThreadsSchedstat(t, ch.pid)
			res := m.Resolution()
			t.Logf("%s: meter %v; child's getrusage %v; exited threads' own CPU %v; live threads' schedstat sum %v (%.0f %% of the meter)",
				m.Source(), usage, self, work, live, 100*float64(live)/float64(usage))

			// The meter starts at Attach, the child's getrusage at its start: the runtime's
			// start-up is in self only.
			if usage < self*8/10 {
				t.Errorf("meter %v < 80 %% of the child's own getrusage %v", usage, self)
			}
			// Every thread that exited is counted, to the meter's unit (two ticks: one each
			// for the readings at Attach and now).
			if usage < work-2*res {
				t.Errorf("meter %v < the exited threads' %v", usage, work)
			}
			// The live threads miss most of it.
			if missed := usage - live; missed < work*8/10-2*res {
				t.Errorf("live threads' schedstat sum %v misses only %v of the meter's %v; the exited threads used %v", live, missed, usage, work)
			}
		})
	}
}

// timesLine is the children's line of the shell's `times`: "0m0.480000s 0m0.060000s".
var timesLine = regexp.MustCompile(`^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$`)

// A shell forks short-lived subprocesses that it waits for: the meter counts them.
func TestMeterCountsChildren(t *testing.T) {
	const script = `read go
i=0
while [ $i -lt 4 ]; do head -c 30000000 /dev/zero | sha256sum >/dev/null; i=$((i+1)); done
times
echo done
read eof`
	for _, c := range meterCases(t) {
		t.Run(c.name, func(t *testing.T) {
			c.skipIfUnavailable(t)
			ch := startChild(t, exec.Command("sh", "-c", script))
			m := c.attach(t, "test-children", ch.pid)
			ch.send(t, "go")
			var lines []string
			for line := ch.waitLine(t, ""); line != "done"; line = ch.waitLine(t, "") {
				lines = append(lines, line)
			}
			if len(lines) != 2 {
				t.Fatalf("times printed %q, want two lines", lines)
			}
			children, err := parseTimesLine(lines[1])
			if err != nil {
				t.Fatal(err)
			}
			usage, err := m.Usage()
			if err != nil {
				t.Fatal(err)
			}
			live := liveThreadsSchedstat(t, ch.pid)
			t.Logf("%s: meter %v; the shell's children by times(1) %v; the shell's own live schedstat %v", m.Source(), usage, children, live)
			if usage < children*8/10 {
				t.Errorf("meter %v < 80 %% of the children's %v", usage, children)
			}
			if live > usage/5 {
				t.Errorf("the shell alone used %v of the meter's %v: the children's work should dominate", live, usage)
			}
		})
	}
}

// A server that forked its workers before the meter was attached (nginx's master and
// workers): the children already running are moved into the group with it, so what they
// do from then on counts. Without the move this reads near zero: the parent only waits.
func TestMeterCountsChildrenStartedBeforeAttach(t *testing.T) {
	const script = `( echo ready; read go; i=0
while [ $i -lt 3 ]; do head -c 30000000 /dev/zero | sha256sum >/dev/null; i=$((i+1)); done
echo done ) &
wait`
	for _, c := range meterCases(t) {
		if c.source == "/proc/PID/stat" {
			continue // counts a child only once it has exited and been waited for
		}
		t.Run(c.name, func(t *testing.T) {
			c.skipIfUnavailable(t)
			ch := startChild(t, exec.Command("sh", "-c", script))
			if line := ch.waitLine(t, ""); line != "ready" {
				t.Fatalf("worker said %q, want ready", line)
			}
			m := c.attach(t, "test-workers", ch.pid)
			ch.send(t, "go")
			if line := ch.waitLine(t, ""); line != "done" {
				t.Fatalf("worker said %q, want done", line)
			}
			usage, err := m.Usage()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: meter %v for a worker started before the attach", m.Source(), usage)
			if usage < 100*time.Millisecond {
				t.Errorf("meter %v: the work of a child forked before the attach was not counted (hashing 90 MB takes more)", usage)
			}
		})
	}
}

func parseTimesLine(line string) (time.Duration, error) {
	f := timesLine.FindStringSubmatch(line)
	if f == nil {
		return 0, fmt.Errorf("times line %q", line)
	}
	var sum time.Duration
	for i := 1; i < len(f); i += 2 {
		min, _ := strconv.Atoi(f[i])
		sec, _ := strconv.ParseFloat(f[i+1], 64)
		sum += time.Duration(min)*time.Minute + time.Duration(sec*float64(time.Second))
	}
	return sum, nil
}

func nanos(s string) time.Duration {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.Duration(n)
}

// A cgroup meter stays readable after its process exits, and Close still removes the group.
func TestMeterAfterExit(t *testing.T) {
	for _, c := range meterCases(t) {
		t.Run(c.name, func(t *testing.T) {
			c.skipIfUnavailable(t)
			ch := startTestChild(t, "threads")
			m := c.attach(t, "test-exit", ch.pid)
			ch.send(t, "go")
			ch.waitLine(t, "done")
			before, err := m.Usage()
			if err != nil {
				t.Fatal(err)
			}
			ch.stop(t)
			after, err := m.Usage()
			if c.source == "/proc/PID/stat" {
				if err == nil || !strings.Contains(err.Error(), "is gone") {
					t.Fatalf("usage of an exited pid: %v, %v; want an error saying it is gone", after, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if after < before {
				t.Errorf("usage went down from %v to %v when the process exited", before, after)
			}
			dir := m.src.(*cgroupSource).dir
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("group %s still there after Close: %v", dir, err)
			}
		})
	}
}
