//go:build unix

package load

import "syscall"

// openFileLimit is the soft RLIMIT_NOFILE after raising it to the hard limit, as far as the
// system lets it (Go already does so at start on Linux). ok is false when it cannot be read.
func openFileLimit() (limit uint64, ok bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, false
	}
	if rl.Cur < rl.Max {
		raised := syscall.Rlimit{Cur: rl.Max, Max: rl.Max}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			rl.Cur = rl.Max
		}
	}
	return uint64(rl.Cur), true
}
