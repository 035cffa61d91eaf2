package cputime

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseCpuacctUsage reads a cgroup v1 cpuacct.usage (or usage_user, usage_sys) file: one
// count of nanoseconds.
func ParseCpuacctUsage(data []byte) (time.Duration, error) {
	ns, err := strconv.ParseUint(string(bytes.TrimSpace(data)), 10, 63)
	if err != nil {
		return 0, fmt.Errorf("cpuacct usage %q: %w", bytes.TrimSpace(data), err)
	}
	return time.Duration(ns), nil
}

// CPUStat is the CPU part of a cgroup v2 cpu.stat. User and System are the kernel's split
// of Usage, already scaled so that they add up to it.
type CPUStat struct {
	Usage, User, System time.Duration
}

// ParseCPUStat reads a cgroup v2 cpu.stat; usage_usec is required, user_usec and
// system_usec are taken when present. The other lines (throttling, nice…) are ignored.
func ParseCPUStat(data []byte) (CPUStat, error) {
	var st CPUStat
	var haveUsage bool
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var dst *time.Duration
		switch key {
		case "usage_usec":
			dst, haveUsage = &st.Usage, true
		case "user_usec":
			dst = &st.User
		case "system_usec":
			dst = &st.System
		default:
			continue
		}
		us, err := strconv.ParseUint(strings.TrimSpace(value), 10, 53)
		if err != nil {
			return CPUStat{}, fmt.Errorf("cpu.stat %s: %w", key, err)
		}
		*dst = time.Duration(us) * time.Microsecond
	}
	if !haveUsage {
		return CPUStat{}, errors.New("cpu.stat has no usage_usec line")
	}
	return st, nil
}

// ProcStat is what this package needs of /proc/<pid>/stat; the times are in clock ticks.
type ProcStat struct {
	Comm                         string
	UTime, STime, CUTime, CSTime uint64
	StartTime                    uint64 // ticks after boot: with the pid, the process's identity
}

// Ticks is the process's whole CPU: its threads, live and exited, and its waited-for children.
func (s ProcStat) Ticks() uint64 { return s.UTime + s.STime + s.CUTime + s.CSTime }

// procStatFields is how many fields after the command name ParseProcStat needs (up to starttime).
const procStatFields = 20

// ParseProcStat reads /proc/<pid>/stat. The command name may hold spaces and parentheses,
// so the fields are counted from the last ')'.
func ParseProcStat(data []byte) (ProcStat, error) {
	open := bytes.IndexByte(data, '(')
	end := bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return ProcStat{}, fmt.Errorf("stat %.40q: no (command name)", data)
	}
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < procStatFields {
		return ProcStat{}, fmt.Errorf("stat of %q: %d fields after the name, want at least %d", data[open+1:end], len(fields), procStatFields)
	}
	// fields[0] is field 3 (state) of proc(5): field N is fields[N-3].
	field := func(n int) (uint64, error) {
		v, err := strconv.ParseUint(fields[n-3], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("stat of %q, field %d: %w", data[open+1:end], n, err)
		}
		return v, nil
	}
	st := ProcStat{Comm: string(data[open+1 : end])}
	for _, f := range []struct {
		n   int
		dst *uint64
	}{{14, &st.UTime}, {15, &st.STime}, {16, &st.CUTime}, {17, &st.CSTime}, {22, &st.StartTime}} {
		v, err := field(f.n)
		if err != nil {
			return ProcStat{}, err
		}
		*f.dst = v
	}
	return st, nil
}

// Membership is where a process sits in each cgroup hierarchy, from /proc/<pid>/cgroup.
type Membership struct {
	V1   map[string]string // controller (or "name=systemd") → path; "cpu,cpuacct" gives both
	V2   string            // the path on the "0::" line
	InV2 bool              // there was a "0::" line
}

// ParseProcCgroup reads /proc/<pid>/cgroup: lines "ID:CONTROLLERS:PATH".
func ParseProcCgroup(data []byte) (Membership, error) {
	m := Membership{V1: map[string]string{}}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") {
			return Membership{}, fmt.Errorf("cgroup line %q: want ID:CONTROLLERS:/PATH", line)
		}
		if parts[0] == "0" && parts[1] == "" {
			m.V2, m.InV2 = parts[2], true
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			m.V1[c] = parts[2]
		}
	}
	return m, nil
}
