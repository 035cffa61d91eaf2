package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type proxy struct {
	target string
	client *http.Client
	units  int // HANDICAP_WORK: work units per SSE event
	log    *slog.Logger
	events atomic.Int64 // SSE events relayed, for the log line at exit
}

// newTransport is a keep-alive upstream pool for 200+ concurrent streams, with TCP_NODELAY,
// a short dial timeout and no response timeout (it would cut long streams).
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
	// Read whole first, as go-http does: net/http drains an unread request body once the
	// response header is written, which would race the upstream request still sending it.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		status := http.StatusBadRequest
		if _, ok := err.(*http.MaxBytesError); ok {
			status = http.StatusRequestEntityTooLarge
		}
		writeError(w, status, "invalid_request_error", "request body: "+err.Error())
		return
	}
	// r.Context() ends when the client leaves, which cancels the upstream request.
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
	var ev eventCounter
	var events int64
	defer func() { p.events.Add(events) }()
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			e := ev.count(buf[:n])
			events += int64(e)
			work(e * p.units) // the handicap; nothing when HANDICAP_WORK is 0
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
			panic(http.ErrAbortHandler) // no terminating chunk: the client sees the break
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
