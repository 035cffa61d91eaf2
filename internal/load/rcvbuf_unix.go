//go:build unix

package load

import "syscall"

// receiveBufferControl sets a socket's SO_RCVBUF to size before it connects: the TCP window
// it advertises from its first segment on is then small (Linux doubles the value for its
// bookkeeping and keeps a floor, which is fine).
func receiveBufferControl(size int) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
		}); err != nil {
			return err
		}
		return serr
	}
}
