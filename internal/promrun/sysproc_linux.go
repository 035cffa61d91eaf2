package promrun

import "syscall"

// childProcAttr puts Prometheus in its own process group, so that Ctrl-C in the
// terminal reaches only ssebench, which can still query Prometheus for what was
// measured before stopping it; Pdeathsig stops it if ssebench dies abruptly.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
