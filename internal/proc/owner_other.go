//go:build !linux

package proc

// listenerInGroup cannot tell who holds a socket without Linux's /proc: any answer counts.
func listenerInGroup(port, pgid int) error { return nil }
