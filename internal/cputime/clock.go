package cputime

import (
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// atClktck is AT_CLKTCK of <elf.h>: the kernel hands every process sysconf(_SC_CLK_TCK)
// in its auxiliary vector, which is where the C library reads it.
const atClktck = 17

// defaultUserHZ is USER_HZ on every Linux architecture that reports otherwise nothing.
const defaultUserHZ = 100

// ClockTick is the unit of /proc/<pid>/stat's times: sysconf(_SC_CLK_TCK), normally 10 ms.
func ClockTick() time.Duration {
	hz := uintptr(defaultUserHZ)
	if vec, err := unix.Auxv(); err == nil {
		for _, kv := range vec {
			if kv[0] == atClktck && kv[1] > 0 {
				hz = kv[1]
			}
		}
	}
	return time.Second / time.Duration(hz)
}

// Self is the calling process's own CPU time, user + system, from getrusage(RUSAGE_SELF):
// every thread, exited ones included, in microseconds (the kernel's exact runtime, split
// between user and system in the proportion of its tick samples). Children are not counted.
func Self() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage(RUSAGE_SELF): %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
