// Command handicap is a test-only SSE relay with a CPU handicap knob, for the benchmark's
// side-by-side self-test: the same binary runs with a handicap and without (its unmodified
// twin), and the comparison must find the handicap and nothing else.
//
// It keeps the contract of servers/servers.yaml (servers/README.md) the way servers/go-http
// does, in fewer lines: PORT, HOST and STUB_URL from the environment; POST
// /v1/chat/completions relayed to $STUB_URL/v1/chat/completions over a keep-alive pool, the
// body and end-to-end headers (X-Stub-* among them) forwarded, the upstream status and
// Content-Type passed back, every upstream read written and flushed at once; GET /healthz
// answers 200; a client that leaves cancels the upstream request; SIGTERM drains. Left out:
// go-http's 30 s timer on the request body and its flags; it is not a server under test.
//
// The knob is HANDICAP_WORK (a non-negative integer, default 0): units of fixed CPU work
// (work.go) done for every SSE event relayed, counted by the "\n\n" that ends it — per event
// rather than per upstream read, so that the extra CPU of a stream does not depend on how
// TCP happened to split it. The work is done before the read that ended the events is
// written, as if the proxy processed each event. Both twins count events; only the
// handicapped one works. At exit it logs "stopped events=N work_units=M". One unit costs
// about 148 ns here, and HANDICAP_WORK=30 is about 5 % of a go-http stream's CPU
// (BenchmarkWorkUnit in work_test.go).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// WorkEnv names the knob.
const WorkEnv = "HANDICAP_WORK"

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("handicap failed", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	units, err := workUnits(os.Getenv(WorkEnv))
	if err != nil {
		return err
	}
	target, err := upstreamURL(os.Getenv("STUB_URL"))
	if err != nil {
		return err
	}
	p := &proxy{target: target, client: &http.Client{Transport: newTransport()}, units: units, log: log}
	mux := http.NewServeMux()
	mux.Handle("POST /v1/chat/completions", p)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		// No ReadTimeout or WriteTimeout: either would cut a stream.
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(envOr("HOST", "127.0.0.1"), envOr("PORT", "8080")))
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "upstream", target, "work_units_per_event", units)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }() // Go sets TCP_NODELAY on accepted sockets
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("streams still open at the deadline; closing them", "err", err)
		srv.Close()
	}
	events := p.events.Load()
	log.Info("stopped", "events", events, "work_units", events*int64(units))
	return nil
}

// workUnits parses HANDICAP_WORK; empty is 0.
func workUnits(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative integer (units of work per SSE event)", WorkEnv, v)
	}
	return n, nil
}

func upstreamURL(base string) (string, error) {
	u, err := url.Parse(base)
	if base == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("STUB_URL must be an http(s) base URL such as http://127.0.0.1:18080, got " + strconv.Quote(base))
	}
	return u.JoinPath("v1/chat/completions").String(), nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
