//go:build !linux

package promrun

import "syscall"

// childProcAttr puts Prometheus in its own process group, so that Ctrl-C in the
// terminal reaches only ssebench, which stops Prometheus itself.
func childProcAttr(bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
