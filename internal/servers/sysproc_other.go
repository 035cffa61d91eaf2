//go:build !linux

package servers

import "syscall"

// Elsewhere there is no Pdeathsig: a killed harness can leave its children running.
func childProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
