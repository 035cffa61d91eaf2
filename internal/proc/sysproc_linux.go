//go:build linux

package proc

import "syscall"

// procAttr puts the child in a process group of its own: a Ctrl-C at the terminal reaches
// ssebench only, which then stops its children in order, and Stop can signal the child's
// own children too. Pdeathsig: when ssebench dies without stopping it (kill -9, a crash),
// the kernel kills the child, so nothing keeps a port or measures on; a child meant to
// outlive ssebench (Prometheus under --keep) goes without.
func procAttr(outlive bool) *syscall.SysProcAttr {
	if outlive {
		return &syscall.SysProcAttr{Setpgid: true}
	}
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
