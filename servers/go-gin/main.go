// Command go-gin is an SSE streaming proxy on Gin: it relays POST /v1/chat/completions to
// $STUB_URL with c.Stream, flushing each upstream read to the client as it arrives.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// Limits towards clients, the same in every server: servers/README.md, "Slow clients and
// limits", says why these values.
const (
	headerTimeout  = 10 * time.Second // first byte of a request head to its end
	bodyTimeout    = 30 * time.Second // end of the head to the end of the body
	idleTimeout    = 60 * time.Second // a kept-alive connection with no request
	maxHeaderBytes = 16 << 10         // net/http lets 4 KiB more through before its 431
	maxBodyBytes   = 1 << 20          // 413 beyond; the stub takes no more either
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("go-gin failed", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	host := flag.String("host", envOr("HOST", "127.0.0.1"), "listen address (env HOST)")
	port := flag.String("port", envOr("PORT", "8080"), "listen port (env PORT)")
	stub := flag.String("stub-url", os.Getenv("STUB_URL"), "upstream base URL, e.g. http://127.0.0.1:18080 (env STUB_URL)")
	grace := flag.Duration("shutdown-timeout", 10*time.Second, "how long in-flight streams may run on after SIGTERM")
	flag.Parse()

	target, err := upstreamURL(*stub)
	if err != nil {
		return err
	}
	gin.SetMode(gin.ReleaseMode)
	// gin.New, not gin.Default: no per-request access log on the hot path, and no
	// gin.Recovery, which would swallow the http.ErrAbortHandler panic that cuts a client's
	// stream when the upstream breaks; net/http recovers handler panics itself.
	r := gin.New()
	p := &proxy{target: target, client: &http.Client{Transport: newTransport()}, log: log}
	r.POST("/v1/chat/completions", p.chat)
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })

	// http.Server rather than r.Run, for the NODELAY hook and a graceful shutdown.
	srv := &http.Server{
		Handler:           r,
		ConnContext:       noDelay,
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		// No ReadTimeout: net/http would cancel the request's context when it passes, mid-stream
		// (the handler times the body itself, readBody). No WriteTimeout: a stream lasts as long
		// as the upstream's.
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, *port))
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "upstream", target)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", *grace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("streams still open at the deadline; closing them", "err", err)
		srv.Close()
	}
	return nil
}

// noDelay turns Nagle's algorithm off on every accepted socket. Go already does so by
// default; saying it here keeps the writeup's lesson visible: small SSE writes must not
// wait for the previous segment's ACK.
func noDelay(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	return ctx
}

func upstreamURL(base string) (string, error) {
	if base == "" {
		return "", errors.New("STUB_URL (or --stub-url) is required, e.g. http://127.0.0.1:18080")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("STUB_URL must be an http(s) base URL such as http://127.0.0.1:18080, got " + base)
	}
	return u.JoinPath("v1/chat/completions").String(), nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
