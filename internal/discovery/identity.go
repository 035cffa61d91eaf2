// Package discovery finds the process behind each target — by pidfile, listening TCP port,
// executable, command name or command-line regex — and tells restarts and PID reuse apart
// from the same process by pairing the PID with its start time.
package discovery

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// ErrNotFound means no live process matches the target right now.
var ErrNotFound = errors.New("no matching process")

// Identity is one process incarnation: a PID is reused by the kernel, a (PID, start time)
// pair is not.
type Identity struct {
	PID int
	// StartTicks is field 22 of /proc/<pid>/stat: clock ticks from boot to the process start.
	StartTicks uint64
}

// Valid reports whether the identity names a process.
func (id Identity) Valid() bool { return id.PID > 0 }

func (id Identity) String() string {
	return fmt.Sprintf("pid %d (started at tick %d)", id.PID, id.StartTicks)
}

// procStat is the part of /proc/<pid>/stat discovery needs.
type procStat struct {
	state      byte
	startTicks uint64
}

// readProcStat parses /proc/<pid>/stat; the command name may hold spaces and parentheses,
// so fields are counted from the last ')'.
func readProcStat(root string, pid int) (procStat, error) {
	data, err := os.ReadFile(filepath.Join(root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("%s/%d/stat: no ')' after the command name", root, pid)
	}
	fields := bytes.Fields(data[i+1:])
	// fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
	if len(fields) < 20 || len(fields[0]) != 1 {
		return procStat{}, fmt.Errorf("%s/%d/stat: %d fields after the command name, want at least 20", root, pid, len(fields))
	}
	start, err := strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("%s/%d/stat: start time %q: %w", root, pid, fields[19], err)
	}
	return procStat{state: fields[0][0], startTicks: start}, nil
}

// identityOf returns the identity of a live (non-zombie) process.
func identityOf(root string, pid int) (Identity, error) {
	st, err := readProcStat(root, pid)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Identity{}, ErrNotFound
		}
		return Identity{}, err
	}
	if st.state == 'Z' || st.state == 'X' {
		return Identity{}, ErrNotFound
	}
	return Identity{PID: pid, StartTicks: st.startTicks}, nil
}

// older orders candidates when several processes match: the earliest started wins, so a
// server is preferred over helpers it spawned; the PID breaks ties.
func older(a, b Identity) bool {
	if a.StartTicks != b.StartTicks {
		return a.StartTicks < b.StartTicks
	}
	return a.PID < b.PID
}
