package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

type proxy struct {
	target string
	client *http.Client
	log    *slog.Logger
}

// newTransport is the upstream pool: enough idle keep-alive connections for 200+ concurrent
// streams, a short dial timeout so a dead upstream fails fast, and no response-header or
// overall timeout, which would cut long streams.
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

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (p *proxy) chat(c *gin.Context) {
	// The body is read whole before the upstream request starts: net/http's server drains
	// and closes an unread request body as soon as the response header is written, which
	// would race the transport still sending it upstream and break that connection.
	body, err := readBody(c.Writer, c.Request.Body)
	if err != nil {
		c.JSON(bodyErrorStatus(err), apiError("invalid_request_error", "request body: "+err.Error()))
		return
	}
	// The request context ends when the client goes away, which cancels the upstream request.
	ctx := c.Request.Context()
	out, err := http.NewRequestWithContext(ctx, http.MethodPost, p.target, bytes.NewReader(body))
	if err != nil {
		c.JSON(http.StatusInternalServerError, apiError("proxy_error", err.Error()))
		return
	}
	copyHeaders(out.Header, c.Request.Header)
	resp, err := p.client.Do(out)
	if err != nil {
		if ctx.Err() == nil {
			c.JSON(http.StatusBadGateway, apiError("upstream_unreachable", "upstream unreachable: "+err.Error()))
		}
		return
	}
	defer resp.Body.Close()

	copyHeaders(c.Writer.Header(), resp.Header)
	c.Status(resp.StatusCode)
	c.Writer.WriteHeaderNow()
	c.Writer.Flush()

	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var upstreamErr error
	// c.Stream flushes after every step: one step is one upstream read.
	c.Stream(func(w io.Writer) bool {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return false
			}
		}
		if rerr != nil && rerr != io.EOF {
			upstreamErr = rerr
		}
		return rerr == nil
	})
	if upstreamErr != nil && ctx.Err() == nil {
		p.log.Warn("upstream stream broke; aborting the client's", "err", upstreamErr)
		// Ends the response without its terminating chunk, so the client sees the stream
		// break instead of a clean end.
		panic(http.ErrAbortHandler)
	}
}

func apiError(kind, msg string) gin.H {
	return gin.H{"error": gin.H{"message": msg, "type": kind}}
}

// hopByHop headers belong to one connection and are never forwarded (RFC 9110 §7.6.1).
var hopByHop = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Host": true, "Content-Length": true,
}

func copyHeaders(dst, src http.Header) {
	named := map[string]bool{}
	for _, v := range src.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			named[http.CanonicalHeaderKey(strings.TrimSpace(name))] = true
		}
	}
	for k, vs := range src {
		if hopByHop[k] || named[k] {
			continue
		}
		dst[k] = append(dst[k][:0:0], vs...)
	}
}

// readBody reads the request body whole, at most maxBodyBytes of it within bodyTimeout. The
// deadline is lifted once the body is in: it must not cut the response, which streams for as
// long as the upstream does, nor the background read by which net/http sees a client leave.
func readBody(w http.ResponseWriter, body io.ReadCloser) ([]byte, error) {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(bodyTimeout)); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, body, maxBodyBytes))
	if err != nil {
		return nil, err
	}
	return b, rc.SetReadDeadline(time.Time{})
}

// bodyErrorStatus is 413 for a body over maxBodyBytes, 408 for one slower than bodyTimeout,
// 400 for any other read failure.
func bodyErrorStatus(err error) int {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return http.StatusRequestTimeout
	}
	return http.StatusBadRequest
}
