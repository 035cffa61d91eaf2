package probe

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// upstream is an in-test SSE source shaped by the stub's X-Stub-* headers: it waits the
// time to first token, then writes the tokens with the inter-token delay, then [DONE].
func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokens, _ := strconv.Atoi(r.Header.Get("X-Stub-Tokens"))
		ttft, _ := time.ParseDuration(r.Header.Get("X-Stub-Time-To-First-Token"))
		delay, _ := time.ParseDuration(r.Header.Get("X-Stub-Inter-Token-Delay"))
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		flusher := w.(http.Flusher)
		flusher.Flush()
		time.Sleep(ttft)
		for i := 0; i < tokens; i++ {
			if i > 0 {
				time.Sleep(delay)
			}
			fmt.Fprintf(w, "data: {\"token\":%d}\n\n", i)
			flusher.Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// forward sends the proxy's incoming request on to the upstream.
func forward(ctx context.Context, r *http.Request, to string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, to, r.Body)
	if err != nil {
		return nil, err
	}
	req.Header = r.Header.Clone()
	return http.DefaultTransport.RoundTrip(req)
}

// correctProxy relays each read at once and flushes it: what a streaming proxy should do.
func correctProxy(t *testing.T, to string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := forward(r.Context(), r, to)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				_, _ = w.Write(buf[:n])
				w.(http.Flusher).Flush()
			}
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// bufferingProxy reads the whole upstream answer before sending any of it.
func bufferingProxy(t *testing.T, to string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := forward(r.Context(), r, to)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// nagleProxy is a raw HTTP/1.1 proxy that leaves Nagle's algorithm on (TCP_NODELAY off)
// and writes every event in two small writes: the data line, then the blank line.
func nagleProxy(t *testing.T, to string) string {
	t.Helper()
	l := listen(t)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveNagle(c.(*net.TCPConn), to)
		}
	}()
	return l.Addr().String()
}

func serveNagle(c *net.TCPConn, to string) {
	defer c.Close()
	_ = c.SetNoDelay(false)
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := forward(ctx, req, to)
	if err != nil {
		fmt.Fprint(c, "HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n")
		return
	}
	defer resp.Body.Close()
	fmt.Fprintf(c, "HTTP/1.1 %d OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n", resp.StatusCode)
	lines := bufio.NewReader(resp.Body)
	for {
		line, err := lines.ReadString('\n')
		if line != "" {
			if _, werr := c.Write([]byte(line)); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// delayedAckRelay stands for a client whose kernel delays its ACKs, as an interactive
// (ping-pong) connection does: it puts its socket toward the proxy in delayed-ACK mode
// (TCP_QUICKACK off) after every read, and passes each read to the probe at once. On
// loopback, without it, the receiver ACKs as soon as the reader takes pushed data, and
// Nagle's algorithm costs only microseconds.
func delayedAckRelay(t *testing.T, to string) string {
	t.Helper()
	l := listen(t)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go relay(c, to)
		}
	}()
	return l.Addr().String()
}

func relay(client net.Conn, to string) {
	defer client.Close()
	up, err := net.DialTimeout("tcp", to, 5*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	go func() { _, _ = io.Copy(up, client) }()
	raw, err := up.(*net.TCPConn).SyscallConn()
	if err != nil {
		return
	}
	delayAcks := func() {
		_ = raw.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 0)
		})
	}
	buf := make([]byte, 4096)
	for {
		delayAcks()
		n, err := up.Read(buf)
		if n > 0 {
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
