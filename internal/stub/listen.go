package stub

import (
	"context"
	"fmt"
	"net"
)

// Listen opens a TCP listener whose accepted connections have TCP_NODELAY set.
// Go already sets it on every TCPConn; doing it here makes the stub's promise
// explicit and testable, because Nagle's algorithm on small SSE writes is the
// exact failure (≈40 ms a request) the writeup found in two servers.
func Listen(ctx context.Context, address string) (net.Listener, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", address)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", address, err)
	}
	return noDelayListener{l}, nil
}

type noDelayListener struct{ net.Listener }

// Accept skips a connection whose option cannot be set (it was reset as it
// arrived) rather than return an error, which would stop http.Server.Serve.
func (l noDelayListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc, ok := c.(*net.TCPConn)
		if !ok || tc.SetNoDelay(true) == nil {
			return c, nil
		}
		_ = c.Close()
	}
}
