package conformance_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/servers"
)

// TestChecksCatchBrokenProxies shows that the two timing checks can fail: a proxy that
// buffers the stream fails check 2, one with Nagle's algorithm on its accepted sockets
// fails check 3. Both are this test binary started again as a real process.
func TestChecksCatchBrokenProxies(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	stub := startStub(t)

	t.Run("buffering proxy fails 2_streams", func(t *testing.T) {
		p := startProcess(t, brokenProxy(t, exe, "buffer"), stub.URL())
		s, err := (&fixture{}).streamSpread(p.URL())
		if err != nil {
			t.Fatal(err)
		}
		if !s.done {
			t.Fatalf("the buffering proxy's stream did not end with [DONE]: %v", s.readErr)
		}
		t.Logf("buffering proxy: first to last event %v", s.spread())
		if s.spread() >= minSpread {
			t.Errorf("check 2 would pass a proxy that buffers: first to last event %v", s.spread())
		}
	})
	t.Run("Nagle proxy fails 3_keepalive_no_nagle", func(t *testing.T) {
		p := startProcess(t, brokenProxy(t, exe, "nagle"), stub.URL())
		k, err := (&fixture{}).measureKeepAlive(p.URL(), 100)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Nagle proxy: %d of %d streams waited over %v, largest %v", k.stalled, k.streams, k.limit, k.largest)
		if !k.stalledTooOften() {
			t.Errorf("check 3 would pass a proxy with Nagle's algorithm on: %d of %d streams stalled", k.stalled, k.streams)
		}
	})
}

// TestADocumentedDifferenceIsCheckedNotSkipped runs check 2 on the buffering proxy with
// the difference documented, as servers.yaml does for the pitfall rows: the check's failure
// is recorded with its cause instead of failing the suite. The recorder under it records a
// fatal failure and ends the check there, and records nothing for a check that passes.
func TestADocumentedDifferenceIsCheckedNotSkipped(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	stub := startStub(t)
	srv := brokenProxy(t, exe, "buffer")
	srv.Differences = map[string]string{"2_streams": bufferedCause + ": it reads the whole response first"}
	f := &fixture{server: srv, stubURL: stub.URL()}
	f.proxy = startProcess(t, srv, stub.URL())
	f.runCheck(t, "2_streams", false, f.checkStreams)

	rec := &recorder{TB: t}
	reached := false
	rec.run(func(t testing.TB) {
		t.Fatalf("first %d", 1)
		reached = true
	})
	if !rec.Failed() || reached || len(rec.messages()) != 1 || rec.messages()[0] != "first 1" {
		t.Errorf("recorder after Fatalf: failed %v, went on %v, messages %q", rec.Failed(), reached, rec.messages())
	}
	clean := &recorder{TB: t}
	clean.run(func(t testing.TB) { t.Logf("fine") })
	if clean.Failed() {
		t.Error("the recorder failed a check that passed")
	}
}

const brokenProxyEnv = "SSEBENCH_CONFORMANCE_BROKEN_PROXY"

func brokenProxy(t *testing.T, exe, mode string) servers.Server {
	t.Setenv(brokenProxyEnv, mode) // inherited by the process Start launches
	return servers.Server{Name: "broken-" + mode, Runtime: "Go", Framework: "test", Build: "true", Command: []string{exe}}
}

// brokenProxyMain is a net/http proxy with one flaw: "buffer" reads the upstream body
// whole before writing it; "nagle" leaves Nagle's algorithm on for accepted sockets.
func brokenProxyMain(mode string) int {
	if mode != "buffer" && mode != "nagle" {
		fmt.Fprintf(os.Stderr, "%s: unknown mode %q\n", brokenProxyEnv, mode)
		return 2
	}
	target := os.Getenv("STUB_URL") + "/v1/chat/completions"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, target, bytes.NewReader(body))
		for k, vs := range r.Header {
			if k != "Content-Length" && k != "Connection" {
				out.Header[k] = vs
			}
		}
		resp, err := http.DefaultClient.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		if mode == "buffer" {
			all, _ := io.ReadAll(resp.Body)
			w.Write(all)
			return
		}
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			w.Write(buf[:n])
			http.NewResponseController(w).Flush()
			if err != nil {
				return
			}
		}
	})
	srv := &http.Server{Handler: mux, ConnContext: func(ctx context.Context, c net.Conn) context.Context {
		if tc, ok := c.(*net.TCPConn); ok && mode == "nagle" {
			tc.SetNoDelay(false)
		}
		return ctx
	}}
	ln, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("HOST"), os.Getenv("PORT")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
