package cputime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// errNoProcess is what reading a /proc file of a process that exited meanwhile returns.
var errNoProcess = syscall.ESRCH

// procStatSource is the fallback: /proc/<pid>/stat in clock ticks.
type procStatSource struct {
	path      string
	pid       int
	startTime uint64 // identity: a reused pid has another start time
	base      uint64 // ticks at Attach
	tick      time.Duration
}

func attachProcStat(procRoot string, pid int) (*procStatSource, error) {
	s := &procStatSource{path: filepath.Join(procRoot, strconv.Itoa(pid), "stat"), pid: pid, tick: ClockTick()}
	st, err := s.read()
	if err != nil {
		return nil, err
	}
	s.startTime, s.base = st.StartTime, st.Ticks()
	return s, nil
}

func (s *procStatSource) read() (ProcStat, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNoProcess) {
		return ProcStat{}, fmt.Errorf("cputime: pid %d is gone (%s)", s.pid, s.path)
	}
	if err != nil {
		return ProcStat{}, fmt.Errorf("cputime: pid %d: %w", s.pid, err)
	}
	st, err := ParseProcStat(data)
	if err != nil {
		return ProcStat{}, fmt.Errorf("cputime: %s: %w", s.path, err)
	}
	return st, nil
}

func (s *procStatSource) usage() (time.Duration, error) {
	st, err := s.read()
	if err != nil {
		return 0, err
	}
	if st.StartTime != s.startTime {
		return 0, fmt.Errorf("cputime: pid %d is gone (%s now belongs to a process started at tick %d, not %d)", s.pid, s.path, st.StartTime, s.startTime)
	}
	return time.Duration(st.Ticks()-s.base) * s.tick, nil
}

func (s *procStatSource) resolution() time.Duration { return s.tick }

func (s *procStatSource) name() string { return fmt.Sprintf("/proc/PID/stat (%v ticks)", s.tick) }

func (s *procStatSource) close() error { return nil }
