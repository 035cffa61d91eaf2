//go:build linux

package main

import (
	"os"
	"syscall"
)

// tryLock takes and releases a non-blocking exclusive flock, as Prometheus' own lock is.
func tryLock(f *os.File) bool {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}
