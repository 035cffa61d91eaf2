package conformance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/sse"
)

// checkUpstreamDown: a server whose upstream refuses connections answers 502 with a JSON
// error of type upstream_unreachable within a second.
func (f *fixture) checkUpstreamDown(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "5_upstream_down_502", figs)
	closed, err := proc.FreeAddr() // nothing listens there once FreeAddr returns
	if err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, f.server, "http://"+closed)
	// A gateway routed by its request headers (Portkey) takes the dead upstream from them.
	down := &fixture{server: f.server, stubURL: "http://" + closed}
	client := newClient(0)
	defer client.CloseIdleConnections()
	var slowest time.Duration
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		began := time.Now()
		status, header, body, err := fetch(client, down.newRequest(ctx, p.URL(), nil))
		took := time.Since(began)
		cancel()
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		slowest = max(slowest, took)
		if status != http.StatusBadGateway {
			t.Fatalf("request %d: status %d, want 502; body %q", i, status, body)
		}
		var e struct {
			Error struct{ Message, Type string }
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Error.Type != "upstream_unreachable" || e.Error.Message == "" {
			t.Errorf("request %d: body %q (Content-Type %q) is not {\"error\":{\"message\":…,\"type\":\"upstream_unreachable\"}}: %v", i, body, header.Get("Content-Type"), err)
		}
		if mediaType(header) != "application/json" {
			t.Errorf("request %d: Content-Type %q, want application/json", i, header.Get("Content-Type"))
		}
		if took > time.Second {
			t.Errorf("request %d: 502 after %v, want within 1s", i, took)
		}
	}
	figs["slowest_502_ms"] = ms(slowest)
}

// checkUpstreamAbort: when the stub drops the connection after three tokens, the client's
// stream ends too — without [DONE], and without waiting for a deadline.
func (f *fixture) checkUpstreamAbort(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "5_upstream_abort", figs)
	client := newClient(0)
	defer client.CloseIdleConnections()
	const deadline = 5 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	h := shape{"X-Stub-Tokens": "10", "X-Stub-Inter-Token-Delay": "5ms", "X-Stub-Abort-After": "3"}
	s, err := readStream(client, f.newRequest(ctx, f.proxy.URL(), h))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(s.sent)
	figs["events"] = len(s.events)
	figs["ended_after_ms"] = ms(took)
	figs["ended_with"] = fmt.Sprint(s.readErr) // <nil> is a clean end, which the contract allows
	if ctx.Err() != nil {
		t.Fatalf("the stream was still open at the %v deadline: the proxy hangs on a broken upstream", deadline)
	}
	if s.status != http.StatusOK {
		t.Fatalf("status %d, want the stream's 200", s.status)
	}
	for _, ev := range s.events {
		if string(ev.Data) == "[DONE]" {
			t.Fatal("the client got [DONE] from a stream the upstream aborted")
		}
	}
	if len(s.events) == 0 {
		t.Error("no events before the abort: the check saw nothing relayed")
	}
}

const clientAborted = "ssebench_stub_streams_client_aborted_total"

// checkClientDisconnect: a client that leaves mid-stream makes the proxy cancel its
// upstream request; the stub counts it within a second.
func (f *fixture) checkClientDisconnect(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "5_client_disconnect", figs)
	// 2,000 tokens 10 ms apart: twenty seconds that only a cancelled upstream cuts short.
	h := shape{"X-Stub-Tokens": "2000", "X-Stub-Time-To-First-Token": "1ms", "X-Stub-Inter-Token-Delay": "10ms"}
	seen, err := f.leaveAfter(t, h, 3)
	if err != nil {
		t.Fatal(err)
	}
	figs["upstream_cancelled_after_ms"] = ms(seen)
}

// checkClientLeavesDuringStall: a client that leaves while the upstream sends nothing —
// before the first token, or in a stall mid-stream — makes the proxy cancel its upstream
// request within a second too. A proxy that notices the client only when a write to it
// fails would hold the upstream until the next token, here 30 s away.
func (f *fixture) checkClientLeavesDuringStall(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "5_client_leaves_during_stall", figs)
	cases := []struct {
		name   string
		h      shape
		events int // read before leaving: the stream is quiet after them
	}{
		{"before_first_token", shape{"X-Stub-Tokens": "5", "X-Stub-Time-To-First-Token": "30s"}, 1},
		// The stub stalls after half the tokens: the role event and 3 tokens.
		{"mid_stream_stall", shape{"X-Stub-Tokens": "6", "X-Stub-Time-To-First-Token": "1ms", "X-Stub-Inter-Token-Delay": "1ms", "X-Stub-Stall": "30s"}, 4},
	}
	for _, c := range cases {
		seen, err := f.leaveAfter(t, c.h, c.events)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		figs[c.name+"_cancelled_after_ms"] = ms(seen)
	}
}

// leaveAfter reads n events of a stream of shape h, leaves, and returns how long the stub
// took to see the upstream request cancelled.
func (f *fixture) leaveAfter(t testing.TB, h shape, n int) (time.Duration, error) {
	mctx, mcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer mcancel()
	before, err := stubCounter(mctx, f.stubURL, clientAborted)
	if err != nil {
		return 0, err
	}
	client := newClient(0)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := client.Do(f.newRequest(ctx, f.proxy.URL(), h))
	if err != nil {
		return 0, err
	}
	r := sse.NewReader(resp.Body, nil)
	for i := range n {
		if _, err := r.Next(); err != nil {
			resp.Body.Close()
			return 0, fmt.Errorf("event %d: %w", i, err)
		}
	}
	cancel()
	resp.Body.Close()
	return awaitUpstreamCancelled(t, mctx, f.stubURL, before, time.Now()), nil
}

// awaitUpstreamCancelled polls the stub until its count of client aborts passes before,
// and fails the check unless that happened within a second of left.
func awaitUpstreamCancelled(t testing.TB, ctx context.Context, stubURL string, before float64, left time.Time) time.Duration {
	t.Helper()
	const pollFor = 10 * time.Second
	for {
		n, err := stubCounter(ctx, stubURL, clientAborted)
		if err != nil {
			t.Fatal(err)
		}
		if n > before {
			break
		}
		if time.Since(left) > pollFor {
			t.Errorf("%s still %v %v after the client left: the proxy did not cancel its upstream request", clientAborted, n, pollFor)
			return time.Since(left)
		}
		time.Sleep(10 * time.Millisecond)
	}
	seen := time.Since(left)
	if seen > time.Second {
		t.Errorf("the stub saw the cancellation %v after the client left, want within 1s", seen)
	}
	return seen
}

// checkSIGTERM: SIGTERM lets a stream in flight finish, then the server exits 0.
func (f *fixture) checkSIGTERM(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "7_sigterm_drains", figs)
	client := newClient(0)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := shape{"X-Stub-Tokens": "10", "X-Stub-Time-To-First-Token": "1ms", "X-Stub-Inter-Token-Delay": "30ms"}
	resp, err := client.Do(f.newRequest(ctx, f.proxy.URL(), h))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := sse.NewReader(resp.Body, nil)
	if _, err := r.Next(); err != nil {
		t.Fatalf("first event: %v", err)
	}
	stopped := make(chan error, 1)
	began := time.Now()
	go func() {
		sctx, scancel := context.WithTimeout(context.Background(), stopTimeout)
		defer scancel()
		stopped <- f.proxy.Stop(sctx)
	}()
	var last []byte
	var readErr error
	events := 1
	for {
		ev, err := r.Next()
		if err != nil {
			readErr = err
			break
		}
		events++
		last = ev.Data
	}
	stopErr := <-stopped
	figs["events_after_sigterm"] = events - 1
	figs["exit_after_ms"] = ms(time.Since(began))
	if string(last) != "[DONE]" {
		t.Errorf("the stream in flight at SIGTERM ended without [DONE] (%d events, %v)", events, readErr)
	}
	if stopErr != nil {
		t.Errorf("after SIGTERM: %v", stopErr)
	}
	if !strings.Contains(fmt.Sprint(readErr), "EOF") {
		t.Errorf("the stream ended with %v, want a clean EOF", readErr)
	}
}
