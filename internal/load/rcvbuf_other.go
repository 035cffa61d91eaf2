//go:build !unix

package load

import "syscall"

// receiveBufferControl leaves the receive buffer as the system sets it: the slow readers
// still read slowly, with more in flight.
func receiveBufferControl(int) func(network, address string, c syscall.RawConn) error {
	return nil
}
