package cputime

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Sources, as Meter.Source names them.
const (
	SourceCgroupV1 = "cgroup v1 cpuacct"
	SourceCgroupV2 = "cgroup v2 cpu.stat"
)

// Options holds the file-system roots Attach reads and writes; tests point them at fixture
// trees. Zero values mean /sys/fs/cgroup, /proc and no logging.
type Options struct {
	CgroupRoot string
	ProcRoot   string
	Logger     *slog.Logger // why a cgroup could not be used, at debug level
}

func (o Options) withDefaults() Options {
	if o.CgroupRoot == "" {
		o.CgroupRoot = "/sys/fs/cgroup"
	}
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Meter reads one process's cumulative CPU time from the most precise source Attach could
// set up. Its methods are safe for concurrent use.
type Meter struct {
	src source

	mu     sync.Mutex
	closed bool
}

// source is one way of reading a process's CPU.
type source interface {
	usage() (time.Duration, error) // since Attach
	resolution() time.Duration
	name() string
	close() error
}

// Attach is Options{}.Attach: the real /sys/fs/cgroup and /proc.
func Attach(name string, pid int) (*Meter, error) { return Options{}.Attach(name, pid) }

// Attach starts measuring pid, tagged name in the group it makes. Call it right after the
// process starts: a cgroup counts only what runs in it, so CPU used before the move is not
// counted, and of the process's children only those forked after the move are in the
// group. Everything in the group counts — the process, its threads, exited or not, and the
// children it starts — which is why the group is made for this one process.
//
// Attach falls back from cgroup v1 to v2 to /proc/<pid>/stat (see the package doc) and never
// fails only because cgroups are unavailable or read-only; it fails when the pid is gone or
// name cannot be a directory name. Close the Meter to put the process back and remove the group.
func (o Options) Attach(name string, pid int) (*Meter, error) {
	o = o.withDefaults()
	if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return nil, fmt.Errorf("cputime: group name %q: want a plain directory name", name)
	}
	fallback, err := attachProcStat(o.ProcRoot, pid)
	if err != nil {
		return nil, err
	}
	for _, attachCgroup := range []func(Options, string, int) (source, error){attachCgroupV1, attachCgroupV2} {
		src, err := attachCgroup(o, name, pid)
		if err == nil {
			return &Meter{src: src}, nil
		}
		o.Logger.Debug("cputime: cgroup not used", "pid", pid, "err", err)
	}
	// The moves may have failed because the process exited meanwhile.
	if _, err := fallback.usage(); err != nil {
		return nil, err
	}
	return &Meter{src: fallback}, nil
}

var errClosed = errors.New("cputime: meter closed")

// Usage is the CPU time (user + system) the process — and, for a cgroup, everything in its
// group — has used since Attach: a cgroup counts from the move, which Attach makes into a
// new group, /proc from Attach's own reading. For a cgroup it stays readable after the
// process exits, until Close; the /proc fallback fails once the process is gone.
func (m *Meter) Usage() (time.Duration, error) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return 0, errClosed
	}
	return m.src.usage()
}

// Resolution is the unit of Usage: 1 ns (cgroup v1), 1 µs (cgroup v2) or the clock tick.
func (m *Meter) Resolution() time.Duration { return m.src.resolution() }

// Source names where Usage comes from: SourceCgroupV1, SourceCgroupV2 or
// "/proc/PID/stat (10ms ticks)".
func (m *Meter) Source() string { return m.src.name() }

// Close moves whatever is still in the group back to the group the process came from and
// removes the group. A process that has exited is no error. Closing twice is a no-op.
func (m *Meter) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	return m.src.close()
}
