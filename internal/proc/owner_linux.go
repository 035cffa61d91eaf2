//go:build linux

package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
)

// tcpListen is the kernel's TCP_LISTEN state number in /proc/net/tcp.
const tcpListen = 10

// listenerInGroup is nil when a process of group pgid holds a socket listening on port:
// the listening sockets' inodes come from /proc/net/tcp{,6} (our own network namespace, the
// one the readiness request went through), and the group's processes hold them among their
// /proc/<pid>/fd links. A port answered by anyone else is an error naming who.
func listenerInGroup(port, pgid int) error {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return err
	}
	inodes, err := listenInodes(fs, port)
	if err != nil {
		return fmt.Errorf("reading the listening sockets: %w", err)
	}
	if len(inodes) == 0 {
		return fmt.Errorf("port %d answered, but no socket listens on it in this network namespace", port)
	}
	procs, err := fs.AllProcs()
	if err != nil {
		return err
	}
	// The group's few processes first: reading every descriptor of every process is only
	// worth it to name a foreign holder.
	for _, pr := range procs {
		if st, err := pr.Stat(); err == nil && st.PGRP == pgid && holdsAny(pr, inodes) {
			return nil
		}
	}
	var others []string
	for _, pr := range procs {
		if holdsAny(pr, inodes) {
			others = append(others, describe(pr))
		}
	}
	holder := "a process whose descriptors cannot be read"
	if len(others) > 0 {
		holder = strings.Join(others, ", ")
	}
	return fmt.Errorf("port %d is answered by %s, not by the child (process group %d)", port, holder, pgid)
}

func listenInodes(fs procfs.FS, port int) (map[uint64]bool, error) {
	inodes := map[uint64]bool{}
	for _, read := range []func() (procfs.NetTCP, error){fs.NetTCP, fs.NetTCP6} {
		lines, err := read()
		if os.IsNotExist(err) {
			continue // a kernel without IPv6 has no tcp6 table
		}
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if l.St == tcpListen && int(l.LocalPort) == port {
				inodes[l.Inode] = true
			}
		}
	}
	return inodes, nil
}

// holdsAny reports whether pr has one of inodes open; a process whose descriptors we may
// not read holds none as far as we can tell.
func holdsAny(pr procfs.Proc, inodes map[uint64]bool) bool {
	targets, err := pr.FileDescriptorTargets()
	if err != nil {
		return false
	}
	for _, t := range targets {
		num, ok := strings.CutPrefix(t, "socket:[")
		if !ok {
			continue
		}
		if ino, err := strconv.ParseUint(strings.TrimSuffix(num, "]"), 10, 64); err == nil && inodes[ino] {
			return true
		}
	}
	return false
}

func describe(pr procfs.Proc) string {
	comm, err := pr.Comm()
	if err != nil {
		return "pid " + strconv.Itoa(pr.PID)
	}
	return fmt.Sprintf("pid %d (%s)", pr.PID, comm)
}
