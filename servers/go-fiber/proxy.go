package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
)

type proxy struct {
	target string
	client *http.Client
	log    *slog.Logger
}

// newTransport is the upstream pool (net/http's client, whose response body streams; the
// fasthttp client buffers whole bodies by default): enough idle keep-alive connections for
// 200+ concurrent streams, a short dial timeout so a dead upstream fails fast, and no
// response-header or overall timeout, which would cut long streams.
func newTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 800 * time.Millisecond, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetNoDelay(true)
			}
			return c, err
		},
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

func (p *proxy) chat(c *fiber.Ctx) error {
	// fasthttp has no request context that ends when the client leaves; this one is
	// cancelled when fasthttp closes the body stream (at the end, or when a write to the
	// client fails), and by watchClient when the client leaves while the upstream is quiet.
	ctx, cancelCtx := context.WithCancel(context.Background())
	cancel := watchClient(c.Context().Conn(), cancelCtx)
	// fasthttp reuses the request buffer once the handler returns, while the transport may
	// still be sending it.
	out, err := http.NewRequestWithContext(ctx, http.MethodPost, p.target, bytes.NewReader(bytes.Clone(c.Body())))
	if err != nil {
		cancel()
		return c.Status(http.StatusInternalServerError).JSON(apiError("proxy_error", err.Error()))
	}
	c.Request().Header.VisitAll(func(k, v []byte) {
		if name := http.CanonicalHeaderKey(string(k)); !hopByHop[name] {
			out.Header.Add(name, string(v))
		}
	})
	resp, err := p.client.Do(out)
	if err != nil {
		cancel()
		return c.Status(http.StatusBadGateway).JSON(apiError("upstream_unreachable", "upstream unreachable: "+err.Error()))
	}
	c.Status(resp.StatusCode)
	for k, vs := range resp.Header {
		if hopByHop[k] {
			continue
		}
		for _, v := range vs {
			c.Context().Response.Header.Add(k, v)
		}
	}
	// Size -1: chunked. fasthttp writes each Read of the stream as one chunk and flushes it
	// (writeBodyChunked), so nothing is held back; a Read error (the upstream broke) makes
	// it drop the connection without the final chunk, and it always Closes the stream.
	c.Context().Response.ImmediateHeaderFlush = true
	c.Context().SetBodyStream(&upstreamBody{body: resp.Body, cancel: cancel}, -1)
	return nil
}

// upstreamBody is the upstream response as fasthttp's body stream.
type upstreamBody struct {
	body   io.ReadCloser
	cancel context.CancelFunc
}

func (u *upstreamBody) Read(p []byte) (int, error) { return u.body.Read(p) }

// Close runs when fasthttp is done with the response, including after a failed write to a
// client that went away: cancelling there is what stops the upstream stream.
func (u *upstreamBody) Close() error {
	u.cancel()
	return u.body.Close()
}

// clientPollInterval is how often watchClient looks at the client's socket: well within the
// second in which a client that leaves must cancel the upstream request.
const clientPollInterval = 200 * time.Millisecond

// watchClient cancels the upstream request (cancelCtx) when the client closes its
// connection. fasthttp reads nothing from a client while it writes the response, so it sees
// one that left only when a write fails — never while the upstream is quiet (before its
// response head, before the first token, in a stall). The returned function ends the watch
// and cancels the context; it may be called more than once.
func watchClient(conn net.Conn, cancelCtx context.CancelFunc) context.CancelFunc {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return cancelCtx
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return cancelCtx
	}
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(clientPollInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if clientGone(raw) {
				cancelCtx()
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		cancelCtx()
	}
}

// clientGone peeks at the socket without blocking or consuming anything: the end of the
// stream or an error means the client left; no bytes, or bytes of a pipelined request,
// mean it is still there.
func clientGone(raw syscall.RawConn) bool {
	gone := false
	err := raw.Control(func(fd uintptr) {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EAGAIN || err == syscall.EINTR:
		case err != nil || n == 0:
			gone = true
		}
	})
	return err != nil || gone
}

func apiError(kind, msg string) fiber.Map {
	return fiber.Map{"error": fiber.Map{"message": msg, "type": kind}}
}

// hopByHop headers belong to one connection and are never forwarded (RFC 9110 §7.6.1);
// fasthttp handles Connection itself and names no other headers in it for us.
var hopByHop = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Host": true, "Content-Length": true,
}
