// Command badproxy is a test-only SSE relay that misbehaves on purpose, for the tests of the
// failure-mode scenarios; it is never a benchmarked server (README.md). It keeps the servers'
// contract (servers/README.md) in few lines: --listen or HOST and PORT, the upstream's base URL
// in UPSTREAM_URL (or STUB_URL, the contract's name), headers (X-Stub-* among them) relayed,
// GET /healthz, SIGTERM drains. --mode picks the flaw: correct (none: cancels propagate, a
// flush per read keeps backpressure), no-cancel (context.WithoutCancel upstream, read to its
// end after the client left) or unbounded-buffer (reads upstream as fast as it comes into
// memory without bound, so a client that does not read makes it hold the whole stream).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	modeCorrect   = "correct"
	modeNoCancel  = "no-cancel"
	modeUnbounded = "unbounded-buffer"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("badproxy failed", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	listen := flag.String("listen", net.JoinHostPort(envOr("HOST", "127.0.0.1"), envOr("PORT", "8080")), "listen address (default from HOST and PORT)")
	mode := flag.String("mode", modeCorrect, "correct, no-cancel or unbounded-buffer")
	upstream := flag.String("upstream", envOr("UPSTREAM_URL", os.Getenv("STUB_URL")), "upstream base URL (env UPSTREAM_URL, else STUB_URL)")
	exitAfter := flag.Int64("exit-after", 0, "exit with status 3 at this many relayed requests (0: never): a server that dies under load")
	flag.Parse()
	if *mode != modeCorrect && *mode != modeNoCancel && *mode != modeUnbounded {
		return fmt.Errorf("--mode %q: want %s, %s or %s", *mode, modeCorrect, modeNoCancel, modeUnbounded)
	}
	u, err := url.Parse(*upstream)
	if *upstream == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("UPSTREAM_URL (or STUB_URL, --upstream) must be an http(s) base URL such as http://127.0.0.1:18080, got %q", *upstream)
	}
	p := &proxy{target: u.JoinPath("v1/chat/completions").String(), mode: *mode, log: log, exitAfter: *exitAfter,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, DisableCompression: true}}}
	mux := http.NewServeMux()
	mux.Handle("POST /v1/chat/completions", p)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "upstream", p.target, "mode", *mode)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	return nil
}

type proxy struct {
	target    string
	mode      string
	client    *http.Client
	log       *slog.Logger
	exitAfter int64
	relayed   atomic.Int64
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if n := p.relayed.Add(1); p.exitAfter > 0 && n >= p.exitAfter {
		p.log.Error("exiting on purpose", "requests", n)
		os.Exit(3)
	}
	// Read whole first: net/http drains an unread request body once the response header is
	// written, which would race the upstream request still sending it.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	if p.mode == modeNoCancel {
		ctx = context.WithoutCancel(ctx) // the flaw: a client that leaves cancels nothing
	}
	ctx, stopUpstream := context.WithCancel(ctx)
	defer stopUpstream()
	out, err := http.NewRequestWithContext(ctx, http.MethodPost, p.target, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	copyHeaders(out.Header, r.Header)
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, "upstream unreachable: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	copyHeaders(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	_ = rc.Flush()

	switch p.mode {
	case modeUnbounded:
		err = relayUnbounded(w, rc, resp.Body, stopUpstream)
	default:
		err = relay(w, rc, resp.Body)
	}
	switch {
	case err == nil:
	case errors.Is(err, errClientGone) || r.Context().Err() != nil:
		if p.mode == modeNoCancel {
			_, _ = io.Copy(io.Discard, resp.Body) // to its end, as a proxy that never noticed would
		}
	default:
		p.log.Debug("upstream stream broke; aborting the client's", "err", err)
		panic(http.ErrAbortHandler) // no terminating chunk: the client sees the break
	}
}

var errClientGone = errors.New("client went away")

// relay writes and flushes each upstream read before the next: the client's pace is the
// upstream's. It ends at the upstream's end (nil), its break, or the client's (errClientGone).
func relay(w io.Writer, rc *http.ResponseController, upstream io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, rerr := upstream.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil || rc.Flush() != nil {
				return errClientGone
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// relayUnbounded decouples the two sides with a buffer and no limit: a goroutine reads the
// upstream as fast as it comes, and what the client has not taken piles up in memory. Both
// loops end with the upstream (the stub sends at most 16 MiB); when the client leaves first,
// stopUpstream cancels the upstream request, which ends the reader, and it is waited for.
func relayUnbounded(w io.Writer, rc *http.ResponseController, upstream io.Reader, stopUpstream func()) error {
	var mu sync.Mutex
	arrived := sync.NewCond(&mu)
	var pending bytes.Buffer
	var end error // io.EOF or the upstream's break, once the reader has stopped
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		buf := make([]byte, 32<<10)
		for {
			n, err := upstream.Read(buf)
			mu.Lock()
			pending.Write(buf[:n])
			end = err
			arrived.Signal()
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	for {
		mu.Lock()
		for pending.Len() == 0 && end == nil {
			arrived.Wait()
		}
		chunk, stopped := bytes.Clone(pending.Next(32<<10)), end
		mu.Unlock()
		if len(chunk) > 0 {
			if _, err := w.Write(chunk); err != nil || rc.Flush() != nil {
				stopUpstream()
				<-readerDone
				return errClientGone
			}
		} else if stopped == io.EOF {
			return nil
		} else {
			return stopped
		}
	}
}

// hopByHop headers belong to one connection and are never forwarded (RFC 9110 §7.6.1).
var hopByHop = map[string]bool{"Connection": true, "Proxy-Connection": true, "Keep-Alive": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Host": true, "Content-Length": true}

func copyHeaders(dst, src http.Header) {
	for k, vs := range src {
		if !hopByHop[k] {
			dst[k] = append([]string(nil), vs...)
		}
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
