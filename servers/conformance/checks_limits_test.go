package conformance_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The limits every server keeps towards its clients: servers/README.md, "Slow clients and
// limits", says why these values.
const (
	headTime = 10 * time.Second // first byte of a request head to its end
	bodyTime = 30 * time.Second // end of the head to the end of the body
	idleTime = 60 * time.Second // a kept-alive connection with no request
	maxHead  = 16 << 10         // request line and headers
	maxBody  = 1 << 20          // request body

	// cutOffMargin is how late after its limit a server may cut a client off: timers are
	// coarse (Bun's tick every 4 s) and the machine is busy.
	cutOffMargin = 5 * time.Second
	// trickleEvery is how often a slow client sends one more byte: often enough that no
	// inactivity timer of a few seconds fires, so only a limit on the whole head or body can.
	trickleEvery = 500 * time.Millisecond
	// refusalAttempts is how often each oversized body is sent: rust-actix, before it read a
	// refused body's rest, lost its 413 to a reset in 6 of 12 single attempts.
	refusalAttempts = 5
)

// checkSlowHeader: a client that sends its request head a byte at a time is cut off (the
// connection closed, or 408) once the head has taken headTime, not much later, not much
// sooner.
func (f *fixture) checkSlowHeader(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "8_limits/slow_header", figs)
	c, r := dialServer(t, f.proxy.URL())
	// Never finished: the trickle lasts longer than headTime + cutOffMargin.
	head := "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" + f.rawHeaders() + "Content-Type: application/json\r\nX-Padding: " + strings.Repeat("a", 100)
	stop := make(chan struct{})
	defer close(stop)
	began := time.Now()
	go trickle(c, []byte(head), stop)
	e := awaitEnding(c, r, began, headTime+cutOffMargin)
	figs["ended"] = e.String()
	figs["after_ms"] = ms(e.after)
	// net/http answers 400 to a head its deadline cut short, then closes.
	expectCutOff(t, e, "the head", headTime, http.StatusRequestTimeout, http.StatusBadRequest)
}

// checkSlowBody: a client that sends its head at once and then the body a byte at a time
// gets 408, or its connection closed, once the body has taken bodyTime.
func (f *fixture) checkSlowBody(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "8_limits/slow_body", figs)
	c, r := dialServer(t, f.proxy.URL())
	head := "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" + f.rawHeaders() + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	began := time.Now()
	go trickle(c, bytes.Repeat([]byte(" "), 1000), stop)
	e := awaitEnding(c, r, began, bodyTime+cutOffMargin)
	figs["ended"] = e.String()
	figs["after_ms"] = ms(e.after)
	expectCutOff(t, e, "the body", bodyTime, http.StatusRequestTimeout)
}

// checkIdleKeepAlive: a connection left idle after a streamed response is closed once it
// has been idle for idleTime; before that it stays open for the next request. A stream,
// not /healthz: servers lift their timers while a stream is quiet, and must set them again.
func (f *fixture) checkIdleKeepAlive(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "8_limits/idle_keepalive", figs)
	c, r := dialServer(t, f.proxy.URL())
	req := fmt.Sprintf("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Type: application/json\r\nX-Stub-Tokens: 2\r\nContent-Length: %d\r\n\r\n%s", f.rawHeaders(), len(chatBody), chatBody)
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("a stream on a kept-alive connection: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || resp.Close || !bytes.Contains(body, []byte("[DONE]")) {
		t.Fatalf("a stream: status %d, read error %v, Connection: close %v, [DONE] %v; want a whole stream on a kept-alive connection",
			resp.StatusCode, err, resp.Close, bytes.Contains(body, []byte("[DONE]")))
	}
	began := time.Now()
	e := awaitEnding(c, r, began, idleTime+cutOffMargin)
	figs["ended"] = e.String()
	figs["after_ms"] = ms(e.after)
	expectCutOff(t, e, "the idle connection", idleTime, http.StatusRequestTimeout)
}

// checkLongStream: no request limit cuts a response: a stream that lasts longer than the
// head, body and idle limits together, quiet for longer than bodyTime in between, ends with
// [DONE]. A read deadline left on the connection, or a timer that also runs while a
// response is written, would cut it.
func (f *fixture) checkLongStream(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "8_limits/long_stream", figs)
	ctx, cancel := context.WithTimeout(context.Background(), 2*(bodyTime+idleTime))
	defer cancel()
	// Three tokens, gap apart: quiet for longer than bodyTime twice, 72 s in all, longer than
	// idleTime + headTime (and Bun's 4 s timer ticks).
	const gap = 36 * time.Second
	h := shape{"X-Stub-Tokens": "3", "X-Stub-Time-To-First-Token": "1ms", "X-Stub-Inter-Token-Delay": gap.String()}
	s, err := readStream(newClient(0), f.newRequest(ctx, f.proxy.URL(), h))
	if err != nil {
		t.Fatal(err)
	}
	figs["lasted_ms"] = ms(time.Since(s.sent))
	figs["events"] = len(s.events)
	if s.status != http.StatusOK || !s.done {
		t.Errorf("a stream of %v: status %d, %d events, [DONE] %v, ended by %v after %v; want the whole stream",
			2*gap, s.status, len(s.events), s.done, s.readErr, time.Since(s.sent).Round(time.Millisecond))
	}
}

// checkOversizedHeader: a head within the limit is served; one of twice the limit gets 431
// or its connection closed, from the proxy itself.
func (f *fixture) checkOversizedHeader(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "8_limits/oversized_header", figs)

	// 12 KiB: frameworks count the head differently (Go allows 4 KiB over its setting), so
	// the head that must pass stays clear of the limit, and the one that must not, far above.
	const served, refused = 12 << 10, 2 * maxHead
	s, err := readStream(newClient(0), withPadding(f.newRequest(context.Background(), f.proxy.URL(), nil), served))
	if err != nil {
		t.Fatalf("a %d KiB head: %v", served>>10, err)
	}
	figs["served_status"] = s.status
	if s.status != http.StatusOK || !s.done {
		t.Errorf("a %d KiB head, within the %d KiB limit: status %d, [DONE] %v (%v); want the stream served", served>>10, maxHead>>10, s.status, s.done, s.readErr)
	}

	// GET /healthz, which the proxy answers itself: a head the proxy forwarded would meet the
	// stub's own limit, and the stub's 431 would pass for the proxy's.
	c, r := dialServer(t, f.proxy.URL())
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: %s\r\n\r\n", f.server.HealthPath(), strings.Repeat("a", refused))
	began := time.Now()
	_, werr := io.WriteString(c, req) // a server may close before it has read it all
	e := awaitEnding(c, r, began, 5*time.Second)
	figs["refused_ended"] = e.String()
	switch {
	case e.status == http.StatusRequestHeaderFieldsTooLarge, e.status == 0 && e.closed:
	case e.status == 0:
		t.Errorf("a %d KiB head: no answer and the connection still open after %v (write: %v); want 431 or the connection closed", refused>>10, e.after, werr)
	default:
		t.Errorf("a %d KiB head, over the %d KiB limit: status %d; want 431 or the connection closed", refused>>10, maxHead>>10, e.status)
	}
}

// checkOversizedBody: a body of exactly the limit is served; one byte more, declared by
// Content-Length, or a chunked body that runs past the limit, gets 413 from the proxy itself:
// the stub refuses such a body too, and its 413 passed through would hide a proxy without a
// limit, so the stub must not have answered 413 meanwhile.
func (f *fixture) checkOversizedBody(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "8_limits/oversized_body", figs)
	client := newClient(0)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	atLimit, err := http.NewRequestWithContext(ctx, http.MethodPost, f.proxy.URL()+"/v1/chat/completions", bytes.NewReader(chatBodyOfSize(maxBody)))
	if err != nil {
		t.Fatal(err)
	}
	f.addServerHeaders(atLimit)
	s, err := readStream(client, atLimit)
	if err != nil {
		t.Fatalf("a body of exactly %d bytes: %v", maxBody, err)
	}
	figs["at_limit_status"] = s.status
	if s.status != http.StatusOK || !s.done {
		t.Errorf("a body of exactly %d bytes, the limit: status %d, [DONE] %v (%v); want the stream served", maxBody, s.status, s.done, s.readErr)
	}

	cases := []struct {
		name    string
		body    []byte
		chunked bool
	}{
		// bytes.Reader: the client sends Content-Length.
		{"declared", chatBodyOfSize(maxBody + 1), false},
		// A plain reader of unknown length: the client sends it chunked, so only counting
		// the bytes as they arrive can catch it.
		{"chunked", chatBodyOfSize(2 * maxBody), true},
	}
	stub413Before, err := stubRequests(ctx, f.stubURL, http.StatusRequestEntityTooLarge)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		// A proxy that answers and closes with the body unread resets the connection, and
		// the reset races the client's read of the 413 (RFC 9112 §9.6): one pass proves
		// little, so each case is sent refusalAttempts times and must get its 413 every time.
		lost := 0
		for attempt := range refusalAttempts {
			var body io.Reader = bytes.NewReader(c.body)
			if c.chunked {
				body = io.MultiReader(body)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.proxy.URL()+"/v1/chat/completions", body)
			if err != nil {
				t.Fatal(err)
			}
			f.addServerHeaders(req)
			began := time.Now()
			status, _, answer, err := fetch(client, req)
			figs[c.name+"_status"] = status // of the last attempt
			figs[c.name+"_ms"] = ms(time.Since(began))
			switch {
			case err != nil && status == 0:
				lost++
				t.Errorf("%s body over %d bytes, attempt %d: %v; want 413 (a reset before the client read the answer? read the body's rest before closing)", c.name, maxBody, attempt+1, err)
			case status != http.StatusRequestEntityTooLarge:
				t.Errorf("%s body over %d bytes, attempt %d: status %d (%.100q); want 413", c.name, maxBody, attempt+1, status, answer)
			}
		}
		figs[c.name+"_lost"] = fmt.Sprintf("%d/%d", lost, refusalAttempts)
	}
	stub413, err := stubRequests(ctx, f.stubURL, http.StatusRequestEntityTooLarge)
	if err != nil {
		t.Fatal(err)
	}
	figs["stub_413s"] = stub413 - stub413Before
	if stub413 > stub413Before {
		t.Errorf("the stub answered %v requests 413: the proxy forwarded a body over its %d-byte limit instead of refusing it", stub413-stub413Before, maxBody)
	}
}

// stubRequests is the stub's count of answers with status code, 0 before the first.
func stubRequests(ctx context.Context, stubURL string, code int) (float64, error) {
	n, err := stubCounter(ctx, stubURL, fmt.Sprintf(`ssebench_stub_requests_total{code="%d"}`, code))
	if errors.Is(err, errNoCounter) {
		return 0, nil
	}
	return n, err
}

// chatBodyOfSize is a valid chat request of exactly n bytes: the stub takes it, so a
// proxy that takes it too serves the stream.
func chatBodyOfSize(n int) []byte {
	const prefix, suffix = `{"model":"ssebench-stub","stream":true,"messages":[{"role":"user","content":"`, `"}]}`
	return []byte(prefix + strings.Repeat("a", n-len(prefix)-len(suffix)) + suffix)
}

func withPadding(req *http.Request, headBytes int) *http.Request {
	req.Header.Set("X-Padding", strings.Repeat("a", headBytes))
	return req
}

// dialServer opens a client connection written and read by hand, for requests net/http's
// client would not send: a head a byte at a time, a head over the limit.
func dialServer(t testing.TB, base string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// trickle writes b one byte every trickleEvery until it is all sent, a write fails (the
// server closed the connection) or stop is closed.
func trickle(c net.Conn, b []byte, stop <-chan struct{}) {
	tick := time.NewTicker(trickleEvery)
	defer tick.Stop()
	for i := range b {
		if _, err := c.Write(b[i : i+1]); err != nil {
			return
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// ending is how a server ended an exchange: with a response, by closing the connection,
// or not at all within the wait.
type ending struct {
	status int // of the response; 0 when there was none
	closed bool
	after  time.Duration
	err    error
}

func (e ending) String() string {
	switch {
	case e.status != 0:
		return fmt.Sprintf("status %d after %v", e.status, e.after.Round(time.Millisecond))
	case e.closed:
		return fmt.Sprintf("closed after %v (%v)", e.after.Round(time.Millisecond), e.err)
	default:
		return fmt.Sprintf("still open after %v", e.after.Round(time.Millisecond))
	}
}

// awaitEnding reads a response head from r, or the end of the connection, for at most
// wait from `from`.
func awaitEnding(c net.Conn, r *bufio.Reader, from time.Time, wait time.Duration) ending {
	c.SetReadDeadline(from.Add(wait))
	resp, err := http.ReadResponse(r, nil)
	e := ending{after: time.Since(from), err: err}
	if err == nil {
		e.status = resp.StatusCode
		return e
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return e
	}
	e.closed = true // EOF, a reset, or bytes that are no response: the exchange is over either way
	return e
}

// expectCutOff checks that a slow client was cut off — the connection closed, or one of
// the statuses — once `what` had taken limit: neither much later, nor before three quarters
// of it (a client on a slow link is owed the time the rule gives it).
func expectCutOff(t testing.TB, e ending, what string, limit time.Duration, statuses ...int) {
	t.Helper()
	switch {
	case e.status == 0 && !e.closed:
		t.Errorf("%s: the connection was still open %v in, over the %v limit + %v", what, e.after.Round(time.Millisecond), limit, cutOffMargin)
		return
	case e.status != 0 && !slices.Contains(statuses, e.status):
		t.Errorf("%s: status %d after %v; want one of %v or the connection closed", what, e.status, e.after.Round(time.Millisecond), statuses)
		return
	}
	if e.after < limit*3/4 {
		t.Errorf("%s: cut off after %v (%s), before three quarters of the %v limit", what, e.after.Round(time.Millisecond), e, limit)
	}
}
