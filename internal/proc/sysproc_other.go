//go:build !linux

package proc

import "syscall"

// Elsewhere there is no Pdeathsig: a killed ssebench can leave its children running.
func procAttr(bool) *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
