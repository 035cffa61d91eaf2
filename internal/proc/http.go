package proc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// portTries bounds how often StartHTTP picks a new port after losing one to another process.
const portTries = 3

// StartHTTP starts the child that spec describes for a listen address and returns once it
// answers 200 at readyPath from a listener of its own process group. With addr "" the
// address is 127.0.0.1 on a port picked just before the start, and when the child fails
// because another process holds that port by then, it is started again on a new one.
// ctx bounds the whole start; on failure nothing of the child is left running.
func StartHTTP(ctx context.Context, addr, readyPath string, spec func(addr string) Spec) (*Process, error) {
	tries := 1
	if addr == "" {
		tries = portTries
	}
	var lastErr error
	for range tries {
		a := addr
		if a == "" {
			var err error
			if a, err = pickAddr(); err != nil {
				return nil, err
			}
		}
		p, err := startServing(ctx, a, readyPath, spec(a))
		if err == nil {
			return p, nil
		}
		lastErr = err
		if addr != "" || ctx.Err() != nil || !addrTaken(a) {
			break
		}
	}
	return nil, lastErr
}

func startServing(ctx context.Context, addr, readyPath string, s Spec) (*Process, error) {
	p, err := Start(s)
	if err != nil {
		return nil, err
	}
	p.addr = addr
	if err := p.WaitReady(ctx, p.URL()+readyPath); err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Stop(stopCtx)
		return nil, err
	}
	return p, nil
}

// pickAddr asks the kernel for a free port on 127.0.0.1; tests replace it to hand out a
// port that is taken.
var pickAddr = FreeAddr

// FreeAddr is 127.0.0.1 on a port the kernel says is free now. Another process may take
// it before it is bound: StartHTTP tries again then.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// addrTaken reports whether another process listens on addr: then a child that failed
// there may well have failed for that reason alone, whatever words it used for it.
func addrTaken(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err == nil {
		l.Close()
		return false
	}
	return errors.Is(err, syscall.EADDRINUSE)
}
