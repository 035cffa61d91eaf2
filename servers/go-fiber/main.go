// Command go-fiber is an SSE streaming proxy on Fiber v2 (fasthttp): it relays
// POST /v1/chat/completions to $STUB_URL, handing fasthttp a body stream that it writes
// out as one flushed chunk per upstream read.
package main

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Limits towards clients, the same in every server: servers/README.md, "Slow clients and
// limits", says why these values.
const (
	headerTimeout  = 10 * time.Second // first byte of a request head to its end
	bodyTimeout    = 30 * time.Second // end of the head to the end of the body
	idleTimeout    = 60 * time.Second // a kept-alive connection with no request
	maxHeaderBytes = 16 << 10         // request line and headers; 431 beyond
	maxBodyBytes   = 1 << 20          // 413 beyond; the stub takes no more either
)

// bodyReadTimeout moves the read deadline, once the head is in, to bodyTimeout from now for
// the body. fasthttp reads nothing more while the handler streams the response, so the
// deadline cannot cut a stream.
func bodyReadTimeout(*fasthttp.RequestHeader) fasthttp.RequestConfig {
	return fasthttp.RequestConfig{ReadTimeout: bodyTimeout}
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("go-fiber failed", "err", err)
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
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		AppName:               "go-fiber",
		BodyLimit:             maxBodyBytes,
		// fasthttp reads the whole head into this buffer: its size is the head limit (431 beyond).
		ReadBufferSize: maxHeaderBytes,
		// fasthttp's ReadTimeout runs from the first byte of a request to the end of its body;
		// it is the head's limit here, and bodyReadTimeout below gives the body its own.
		ReadTimeout: headerTimeout,
		IdleTimeout: idleTimeout,
		// No WriteTimeout: a stream lasts as long as the upstream's.
	})
	app.Server().HeaderReceived = bodyReadTimeout
	p := &proxy{target: target, client: &http.Client{Transport: newTransport()}, log: log}
	app.Post("/v1/chat/completions", p.chat)
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })

	ln, err := net.Listen("tcp", net.JoinHostPort(*host, *port))
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "upstream", target)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	served := make(chan error, 1)
	go func() { served <- app.Listener(noDelayListener{ln.(*net.TCPListener)}) }()
	select {
	case err := <-served:
		return err
	case <-sigs:
	}
	log.Info("shutting down", "grace", *grace)
	if err := app.ShutdownWithTimeout(*grace); err != nil {
		log.Warn("streams still open at the deadline; closing them", "err", err)
	}
	return nil
}

// noDelayListener turns Nagle's algorithm off on every accepted socket. Go's net package
// already does so by default and fasthttp keeps the *net.TCPConn it is given; saying it
// here keeps the writeup's lesson visible: small SSE writes must not wait for the previous
// segment's ACK.
type noDelayListener struct{ *net.TCPListener }

func (l noDelayListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	c.SetNoDelay(true)
	return lingerConn{c}, nil
}

// lingerTime is how long a closed connection reads and drops what the client still sends.
const lingerTime = time.Second

// lingerConn closes as net/http does. fasthttp closes a connection at once after refusing a
// request (413 for a body over the limit, 408), its body unread; closing a socket with bytes
// unread sends a reset, which can destroy the answer in the client's buffers before it is
// read. So Close shuts this side for writing, reads and drops what the client still sends
// for a moment, then closes.
type lingerConn struct{ *net.TCPConn }

func (c lingerConn) Close() error {
	if err := c.CloseWrite(); err != nil {
		return c.TCPConn.Close()
	}
	go func() {
		c.SetReadDeadline(time.Now().Add(lingerTime))
		io.Copy(io.Discard, c.TCPConn)
		c.TCPConn.Close()
	}()
	return nil
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
