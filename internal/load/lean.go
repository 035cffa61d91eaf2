package load

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/ssebench/ssebench/internal/stub"
)

// leanClient sends the run's one request over HTTP/1.1 keep-alive connections of its own,
// for plain-http targets. net/http's transport hands every request to a write-loop and every
// response to a read-loop goroutine and back, and builds its pipeline for any request; for a
// load generator whose own CPU must stay far below the server's, that was most of the cost of
// a stream. The wire is unchanged: the request bytes are those net/http writes (Request.Write,
// built once) and responses are parsed by net/http (http.ReadResponse), so status line,
// headers, chunked, sized and close-delimited bodies and the keep-alive rules are net/http's.
type leanClient struct {
	addr    string // host:port
	request []byte // the request on the wire
	// head and tail are request split after its last header line, where a per-request
	// header (pairedLengths' X-Stub-Seed) goes.
	head, tail []byte
	req        *http.Request // what the responses answer; read-only
	dialer     *net.Dialer
	col        *collector

	mu      sync.Mutex
	idle    []*leanConn // most recently used last: reused first, as net/http does
	maxIdle int
}

// leanConn is one keep-alive connection and the reader that holds its unread bytes.
type leanConn struct {
	conn net.Conn // a countingConn
	br   *bufio.Reader
	lim  *headerLimiter // between br and conn: bounds what a response head may pull in
	wbuf []byte         // a request with a header of its own (leanClient.wire)

	// The connection's deadline is moved to the past when the context of the VU using it is
	// cancelled, which interrupts a blocked read at once. The watch stays registered while the
	// connection is idle: the next request is usually the same VU's, with the same context
	// (VU contexts are reused), and then costs nothing to set up.
	watched context.Context
	unwatch func() bool
}

// watch makes ctx's cancellation interrupt c. It reports false when c may already have been
// interrupted by the context it was watching before, and cannot be trusted.
func (c *leanConn) watch(ctx context.Context) bool {
	if c.watched == ctx {
		return true
	}
	if c.unwatch != nil && !c.unwatch() {
		return false
	}
	c.watched, c.unwatch = ctx, context.AfterFunc(ctx, func() { c.conn.SetDeadline(pastDeadline) })
	return true
}

func (c *leanConn) close() {
	if c.unwatch != nil {
		c.unwatch()
	}
	c.conn.Close()
}

// maxInformational bounds the 1xx responses skipped before the real one, as net/http does.
const maxInformational = 5

func newLeanClient(target string, body []byte, headers http.Header, maxVUs int, col *collector) (*leanClient, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = headers
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		return nil, fmt.Errorf("load: encoding the request: %w", err)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	request := wire.Bytes()
	end := bytes.Index(request, []byte("\r\n\r\n")) + 2 // after the last header's CRLF
	return &leanClient{addr: net.JoinHostPort(u.Hostname(), port), request: request, req: req,
		head: request[:end], tail: request[end:], dialer: newDialer(), col: col, maxIdle: maxVUs}, nil
}

// get returns an idle connection that is still open, or dials a new one. net/http notices a
// server's close of an idle connection (an idle timeout, or a close after the response without
// "Connection: close") with a read always pending on it; here one non-blocking peek before
// reuse does the same, so that such a close costs a new connection rather than a failed request.
func (l *leanClient) get(ctx context.Context) (*leanConn, error) {
	for {
		l.mu.Lock()
		n := len(l.idle)
		if n == 0 {
			l.mu.Unlock()
			break
		}
		c := l.idle[n-1]
		l.idle[n-1] = nil
		l.idle = l.idle[:n-1]
		l.mu.Unlock()
		if c.watch(ctx) {
			c.conn.SetReadDeadline(time.Time{}) // the last request's deadline may have passed while idle
			if stillOpen(c.conn.(*countingConn).Conn) {
				return c, nil
			}
		}
		c.close()
	}
	conn, err := l.dialer.DialContext(ctx, "tcp", l.addr)
	if err != nil {
		return nil, err
	}
	cc := &countingConn{Conn: conn, col: l.col}
	lim := &headerLimiter{r: cc}
	c := &leanConn{conn: cc, br: bufio.NewReaderSize(lim, 4<<10), lim: lim}
	c.watch(ctx)
	return c, nil
}

// put keeps c for the next request, or closes it when enough are idle already.
func (l *leanClient) put(c *leanConn) {
	l.mu.Lock()
	if len(l.idle) < l.maxIdle {
		l.idle = append(l.idle, c)
		c = nil
	}
	l.mu.Unlock()
	if c != nil {
		c.close()
	}
}

// CloseIdleConnections closes the idle connections, as http.Transport's does.
func (l *leanClient) CloseIdleConnections() {
	l.mu.Lock()
	idle := l.idle
	l.idle = nil
	l.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
}

// roundTrip writes the request, with X-Stub-Seed when seed is set, and reads the response
// head, stamping the first response byte.
func (l *leanClient) roundTrip(c *leanConn, clock Clock, seed string) (resp *http.Response, firstByte time.Time, err error) {
	if _, err := c.conn.Write(l.wire(c, seed)); err != nil {
		return nil, time.Time{}, err
	}
	c.lim.arm()
	defer c.lim.disarm()
	if _, err := c.br.Peek(1); err != nil {
		return nil, time.Time{}, err
	}
	firstByte = clock.Now()
	for range maxInformational + 1 {
		resp, err = http.ReadResponse(c.br, l.req)
		if err != nil {
			return nil, firstByte, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode < 100 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, firstByte, nil
		}
	}
	return nil, firstByte, fmt.Errorf("more than %d informational (1xx) responses", maxInformational)
}

// wire is the request's bytes: the one request, or a copy with X-Stub-Seed in the connection's
// own buffer (one write, as without it).
func (l *leanClient) wire(c *leanConn, seed string) []byte {
	if seed == "" {
		return l.request
	}
	b := append(c.wbuf[:0], l.head...)
	b = append(append(append(b, stub.HeaderSeed...), ": "...), seed...)
	b = append(append(b, "\r\n"...), l.tail...)
	c.wbuf = b
	return b
}

// errResponseHeaderTooLarge fails a response whose head passes MaxResponseHeaderBytes.
var errResponseHeaderTooLarge = fmt.Errorf("response header over %d bytes", MaxResponseHeaderBytes)

// headerLimiter counts what the connection's reader pulls in while a response head is
// read (http.ReadResponse has no limit of its own) and fails past the budget; the body
// is read with the limiter disarmed. The budget allows one bufio fill beyond the head.
type headerLimiter struct {
	r     io.Reader
	armed bool
	left  int
}

func (h *headerLimiter) arm()    { h.armed, h.left = true, MaxResponseHeaderBytes+4<<10 }
func (h *headerLimiter) disarm() { h.armed = false }

func (h *headerLimiter) Read(p []byte) (int, error) {
	if !h.armed {
		return h.r.Read(p)
	}
	if h.left <= 0 {
		return 0, errResponseHeaderTooLarge
	}
	if len(p) > h.left {
		p = p[:h.left]
	}
	n, err := h.r.Read(p)
	h.left -= n
	return n, err
}

// pastDeadline wakes every blocked read and write of a connection at once.
var pastDeadline = time.Unix(1, 0)

// runLean is iterator.run over the lean client: the same measurements at the same points.
// The request timeout and interruption both act through the connection's deadline (leanConn.watch).
func (it *iterator) runLean(ctx context.Context, scheduled time.Time, seed string) bool {
	c, err := it.lean.get(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		it.col.request(requestResult{failed: true, err: err, duration: it.clock.Now().Sub(scheduled)})
		return true
	}
	c.conn.SetDeadline(time.Now().Add(it.timeout))
	resp, firstByte, err := it.lean.roundTrip(c, it.clock, seed)
	if err != nil {
		c.close()
		if ctx.Err() != nil {
			return false
		}
		it.col.request(requestResult{failed: true, err: err, duration: it.clock.Now().Sub(scheduled)})
		return true
	}
	seen, readErr := it.readBody(resp, scheduled)
	if readErr == nil && !resp.Close && c.br.Buffered() == 0 && ctx.Err() == nil {
		it.lean.put(c) // the body was read to its end: the connection is ready for the next request
	} else {
		c.close()
	}
	end := it.clock.Now()
	if ctx.Err() != nil {
		return false
	}
	statusOK := resp.StatusCode == http.StatusOK
	it.col.request(requestResult{
		status: resp.StatusCode, statusOK: statusOK, done: seen.done, err: readErr,
		failed:   readErr != nil || !statusOK || !seen.done,
		duration: end.Sub(scheduled), waiting: firstByte.Sub(scheduled), hasWaiting: true,
		firstEvent: seen.firstEvent, maxGap: seen.maxGap,
	})
	return true
}
