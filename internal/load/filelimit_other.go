//go:build !unix

package load

// openFileLimit: no RLIMIT_NOFILE here.
func openFileLimit() (uint64, bool) { return 0, false }
