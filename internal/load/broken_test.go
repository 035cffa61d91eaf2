package load

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/sse"
)

// endlessLineServer answers 200 and one SSE line that never ends, until the client
// leaves or 15 s pass: a broken proxy that never sends a newline.
func endlessLineServer(t *testing.T) *httptest.Server {
	t.Helper()
	chunk := []byte(strings.Repeat("a", 32<<10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: ")
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && r.Context().Err() == nil; {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// hugeHeaderServer is a raw TCP server whose response header never ends.
func hugeHeaderServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c)) // answer after the request, as a server does
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Big: ")
				chunk := []byte(strings.Repeat("h", 32<<10))
				c.SetWriteDeadline(time.Now().Add(15 * time.Second))
				for {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			})
		}
	})
	return "http://" + l.Addr().String()
}

// oneBrokenRequest runs one iteration against target with the lean client or
// net/http's, bounded in time, and returns the summary.
func oneBrokenRequest(t *testing.T, target string, lean bool) *Summary {
	t.Helper()
	p, _ := prepareFor(t, target, nil)
	if !lean {
		p.it.lean = nil
	}
	start := time.Now()
	if !p.it.run(context.Background(), start, noArrival) {
		t.Fatal("the iteration reported itself interrupted")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the broken response held the request for %v (request timeout 20 s)", d)
	}
	return p.col.summary(Options{}, time.Second)
}

// TestEndlessLineFailsTheRequest: a stream without a newline is a failed request
// with the parser's error, after about 1 MiB, not a buffer growing until the timeout.
func TestEndlessLineFailsTheRequest(t *testing.T) {
	srv := endlessLineServer(t)
	for _, lean := range []bool{true, false} {
		s := oneBrokenRequest(t, srv.URL, lean)
		if s.Requests != 1 || s.Failed != 1 {
			t.Errorf("lean=%v: %d requests, %d failed; want one failed", lean, s.Requests, s.Failed)
		}
		if !strings.Contains(s.FirstError, sse.ErrLineTooLong.Error()) {
			t.Errorf("lean=%v: first error %q, want the parser's %q", lean, s.FirstError, sse.ErrLineTooLong)
		}
	}
}

// TestHugeResponseHeaderFailsTheRequest: a header block that never ends is a failed
// request after MaxResponseHeaderBytes, not a buffer growing until the timeout.
func TestHugeResponseHeaderFailsTheRequest(t *testing.T) {
	target := hugeHeaderServer(t)
	for _, lean := range []bool{true, false} {
		s := oneBrokenRequest(t, target, lean)
		if s.Requests != 1 || s.Failed != 1 {
			t.Errorf("lean=%v: %d requests, %d failed; want one failed", lean, s.Requests, s.Failed)
		}
		if !strings.Contains(s.FirstError, "header") {
			t.Errorf("lean=%v: first error %q, want one about the response header", lean, s.FirstError)
		}
	}
}

// TestHeaderLimitLeavesTheBodyAlone: the header budget covers the header only; a
// body far larger than it streams through the same connection.
func TestHeaderLimitLeavesTheBodyAlone(t *testing.T) {
	r := &headerLimiter{r: strings.NewReader(strings.Repeat("x", 3*MaxResponseHeaderBytes))}
	r.arm()
	if _, err := io.CopyN(io.Discard, r, MaxResponseHeaderBytes); err != nil {
		t.Fatal(err)
	}
	r.disarm()
	if n, err := io.Copy(io.Discard, r); err != nil || n != 2*MaxResponseHeaderBytes {
		t.Fatalf("after the header: %d bytes, %v", n, err)
	}
	r = &headerLimiter{r: strings.NewReader(strings.Repeat("x", 3*MaxResponseHeaderBytes))}
	r.arm()
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, errResponseHeaderTooLarge) {
		t.Fatalf("an armed limiter read past the budget: %v", err)
	}
}
