package promrun

import "syscall"

// childProcAttr puts Prometheus in its own process group, so that Ctrl-C in the
// terminal reaches only ssebench, which can still query Prometheus for what was
// measured before stopping it; Pdeathsig stops it if ssebench dies abruptly, unless
// it is meant to outlive ssebench (ssebench run --keep).
func childProcAttr(outlive bool) *syscall.SysProcAttr {
	if outlive {
		return &syscall.SysProcAttr{Setpgid: true}
	}
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
