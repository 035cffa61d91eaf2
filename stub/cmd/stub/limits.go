package main

import (
	"io"
	"net/http"
	"time"
)

// Limits towards clients, the same as every proxy's: servers/README.md, "Slow clients and
// limits", says why these values. The body's size (1 MiB) is the handler's own limit.
const (
	headerTimeout  = 10 * time.Second // first byte of a request head to its end
	bodyTimeout    = 30 * time.Second // end of the head to the end of the body
	idleTimeout    = 60 * time.Second // a kept-alive connection with no request
	maxHeaderBytes = 16 << 10         // net/http lets 4 KiB more through before its 431
)

// newServer is the stub's http.Server with those limits. No ReadTimeout: net/http would
// cancel the request's context when it passes, mid-stream (timedBody times the body
// instead). No WriteTimeout: a stream lasts as long as it was asked to.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           timedBody(h),
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// timedBody gives a request's body bodyTimeout to arrive, from the end of the head. The
// deadline is lifted when the body has been read to its end: it must not cut the stream
// that follows, nor the background read by which net/http sees a client leave. A body that
// does not arrive in time fails the handler's read (it answers 400) and the connection is
// closed.
func timedBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(bodyTimeout)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	lifted bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted {
		b.lifted = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
