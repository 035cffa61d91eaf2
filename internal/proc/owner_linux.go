//go:build linux

package proc

import (
	"fmt"

	"github.com/prometheus/procfs"

	"github.com/ssebench/ssebench/internal/discovery"
)

// listenerInGroup is nil when the process holding the socket that listens on port belongs
// to process group pgid. The holder is found as the exporter finds a server by its port
// (the listening socket's inode, then the process with that inode among its descriptors),
// so a port answered by anyone else is an error naming who.
func listenerInGroup(port, pgid int) error {
	f, err := discovery.NewFinder("/proc")
	if err != nil {
		return err
	}
	id, err := f.ByPort(port)
	if err != nil {
		return fmt.Errorf("who answers: %w", err)
	}
	pr, err := procfs.NewProc(id.PID)
	if err != nil {
		return err
	}
	st, err := pr.Stat()
	if err != nil {
		return err
	}
	if st.PGRP == pgid {
		return nil
	}
	return fmt.Errorf("port %d is answered by pid %d (%s), not by the child (process group %d)", port, id.PID, st.Comm, pgid)
}
