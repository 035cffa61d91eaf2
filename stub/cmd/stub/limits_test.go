package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The stub keeps the limits of servers/README.md towards its own clients (the proxies, or
// anyone who reaches it): a body sent a byte at a time is cut off at bodyTimeout, a head over
// maxHeaderBytes is refused, and a stream lasting longer than bodyTimeout is not cut.

func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	_, base := startBinary(t, buildBinary(t))
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: stub\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
	began := time.Now()
	go func() { // a byte every 500 ms until the stub closes the connection
		for range 1000 {
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	c.SetReadDeadline(began.Add(bodyTimeout + 5*time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	took := time.Since(began)
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		t.Fatalf("the connection was still open %v after the head: a body sent a byte at a time holds it", took)
	}
	if err == nil && resp.StatusCode < 400 {
		t.Fatalf("status %d after %v; want the body refused", resp.StatusCode, took)
	}
	if took < bodyTimeout*3/4 {
		t.Errorf("cut off after %v, well before the %v the rule gives a body", took, bodyTimeout)
	}
	t.Logf("slow body: %v after %v", statusOr(resp, err), took)
}

func TestOversizedHeadIsRefused(t *testing.T) {
	t.Parallel()
	_, base := startBinary(t, buildBinary(t))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Padding", strings.Repeat("a", 2*maxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a %d-byte head: status %d, want 431", 2*maxHeaderBytes, resp.StatusCode)
	}
}

// A stream quiet for longer than bodyTimeout after its body was read: a read deadline left
// on the connection would end it there.
func TestStreamOutlivesTheBodyDeadline(t *testing.T) {
	t.Parallel()
	_, base := startBinary(t, buildBinary(t))
	ctx, cancel := context.WithTimeout(t.Context(), 2*bodyTimeout)
	defer cancel()
	body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Stub-Tokens", "1")
	req.Header.Set("X-Stub-Time-To-First-Token", (bodyTimeout + 5*time.Second).String())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || !strings.Contains(string(got), "[DONE]") {
		t.Errorf("a stream quiet for %v: read error %v, [DONE] %v; want the whole stream", bodyTimeout+5*time.Second, err, strings.Contains(string(got), "[DONE]"))
	}
}

func statusOr(resp *http.Response, err error) string {
	if err != nil {
		return "closed (" + err.Error() + ")"
	}
	return resp.Status
}
