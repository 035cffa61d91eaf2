package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
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

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The body is read whole before the upstream request starts: net/http's server drains
	// and closes an unread request body as soon as the response header is written, which
	// would race the transport still sending it upstream and break that connection.
	body, err := readBody(w, r.Body)
	if err != nil {
		writeError(w, bodyErrorStatus(err), "invalid_request_error", "request body: "+err.Error())
		return
	}
	// r.Context() ends when the client goes away, which cancels the upstream request too.
	out, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.target, bytes.NewReader(body))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "proxy_error", err.Error())
		return
	}
	copyHeaders(out.Header, r.Header)
	resp, err := p.client.Do(out)
	if err != nil {
		if r.Context().Err() == nil {
			writeError(w, http.StatusBadGateway, "upstream_unreachable", "upstream unreachable: "+err.Error())
		}
		return
	}
	defer resp.Body.Close()

	copyHeaders(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		if rerr == io.EOF {
			return
		}
		if rerr != nil {
			if r.Context().Err() == nil {
				p.log.Warn("upstream stream broke; aborting the client's", "err", rerr)
			}
			// Ends the response without its terminating chunk, so the client sees the
			// stream break instead of a clean end.
			panic(http.ErrAbortHandler)
		}
	}
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

func writeError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": msg, "type": kind}})
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
