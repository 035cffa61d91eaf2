package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssebench/ssebench/internal/sse"
)

// slowReadChunk is the most a slow reader reads from its socket at once, and its buffers'
// size: what stays unread is in the kernel's buffers and then the server's, not here.
const slowReadChunk = 512

// maxSlowReaderStreams bounds the streams one slow reader opens, one after another; the
// scenario's duration ends them long before.
const maxSlowReaderStreams = 1 << 20

// slowReaderRetryPause keeps a reader whose stream failed from hammering a target that
// refuses it.
const slowReaderRetryPause = 100 * time.Millisecond

// slowReaders are the slow readers of a run (SlowReaders): Count readers, each one stream
// after another for the scenario's duration, on a connection of its own whose receive
// buffer is set small before it connects, read at BytesPerSecond. They run on the wall clock.
type slowReaders struct {
	cfg      SlowReaders // with defaults; Count is this instance's
	addr     string      // host:port to dial
	tls      *tls.Config // https targets; nil: plain http
	url      string
	body     []byte
	headers  http.Header
	duration time.Duration
	m        *clientMetrics

	outcomes   map[string]*atomic.Int64 // by outcome; the map is read-only after newSlowReaders
	cutAfter   *trend
	firstError atomic.Pointer[string]
}

// run starts the readers and waits for them: each ends with the scenario's duration.
func (s *slowReaders) run(ctx context.Context, start time.Time) {
	ctx, cancel := context.WithDeadline(ctx, start.Add(s.duration))
	defer cancel()
	var wg sync.WaitGroup
	for range s.cfg.Count {
		wg.Go(func() { s.reader(ctx) })
	}
	wg.Wait()
}

// reader is one slow reader: streams one after another until ctx ends.
func (s *slowReaders) reader(ctx context.Context) {
	buf := make([]byte, slowReadChunk)
	parser := sse.NewParser()
	for range maxSlowReaderStreams {
		if over(ctx) {
			return
		}
		outcome := s.stream(ctx, buf, parser)
		if outcome == OutcomeFailed && !sleepUntil(RealClock{}, time.Now().Add(slowReaderRetryPause), ctx.Done()) {
			return
		}
	}
}

// stream reads one stream slowly and says how it ended, counting it.
func (s *slowReaders) stream(ctx context.Context, buf []byte, parser *sse.Parser) string {
	outcome, cutAfter, err := s.readOne(ctx, buf, parser)
	if over(ctx) && outcome != OutcomeDone {
		outcome = OutcomeUnfinished // whatever failed, failed because the scenario's end closed it
	}
	s.outcomes[outcome].Add(1)
	s.m.slowStreams[outcome].Inc()
	switch outcome {
	case OutcomeCut:
		s.cutAfter.record(cutAfter)
		s.m.cutAfter.Observe(cutAfter)
	case OutcomeFailed:
		msg := err.Error()
		s.firstError.CompareAndSwap(nil, &msg)
	}
	return outcome
}

func (s *slowReaders) readOne(ctx context.Context, buf []byte, parser *sse.Parser) (outcome string, cutAfter time.Duration, err error) {
	dialer := net.Dialer{Timeout: 10 * time.Second, Control: receiveBufferControl(s.cfg.ReceiveBuffer)}
	raw, err := dialer.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return OutcomeFailed, 0, err
	}
	// Closing the connection ends the stream, whatever it is: the body is never drained. The
	// scenario's end unblocks whatever the stream waits for.
	defer raw.Close()
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var conn net.Conn = &pacedConn{Conn: raw, ctx: ctx, rate: int64(s.cfg.BytesPerSecond), start: time.Now()}
	if s.tls != nil {
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return OutcomeFailed, 0, err
		}
		conn = tc
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(s.body))
	if err != nil {
		return OutcomeFailed, 0, err
	}
	req.Header = s.headers
	sent := time.Now()
	if err := req.Write(conn); err != nil {
		return OutcomeFailed, 0, err
	}
	s.m.slowReaders.Inc()
	defer s.m.slowReaders.Dec()
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, slowReadChunk), req)
	if err != nil {
		return OutcomeFailed, 0, err
	}
	// resp.Body is not closed: closing a chunked body reads it to its end. Closing the
	// connection (above) ends it.
	if resp.StatusCode != http.StatusOK {
		return OutcomeFailed, 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := sse.DecodedBody(resp.Header, resp.Body)
	if err != nil {
		return OutcomeFailed, 0, err
	}
	return readUntilDone(body, buf, parser, sent)
}

// readUntilDone reads body until [DONE], its end or an error; the pace is the connection's.
func readUntilDone(body io.Reader, buf []byte, parser *sse.Parser, sent time.Time) (outcome string, cutAfter time.Duration, err error) {
	parser.Reset()
	done := false
	emit := func(ev *sse.Event) { done = done || bytes.Equal(ev.Data, doneData) }
	for empty := 0; ; {
		n, err := body.Read(buf)
		if n > 0 {
			empty = 0
			parser.Feed(buf[:n], time.Now(), emit)
			if done {
				return OutcomeDone, 0, nil
			}
			if perr := parser.Err(); perr != nil {
				return OutcomeFailed, 0, perr // a line or event over the parser's limit: no stream
			}
		}
		switch {
		case err != nil: // EOF or reset before [DONE]: the server dropped the slow client
			return OutcomeCut, time.Since(sent), err
		case n == 0:
			if empty++; empty >= maxEmptyReads {
				return OutcomeFailed, 0, io.ErrNoProgress
			}
		}
	}
}

// pacedConn reads its connection at rate bytes per second at most, slowReadChunk bytes a
// read at most, sleeping after each read until the bytes read so far are due: a real slow
// socket read, which leaves the rest in the kernel's buffers.
type pacedConn struct {
	net.Conn
	ctx   context.Context // its end interrupts a sleep
	rate  int64
	start time.Time
	total int64
}

func (p *pacedConn) Read(b []byte) (int, error) {
	if len(b) > slowReadChunk {
		b = b[:slowReadChunk]
	}
	n, err := p.Conn.Read(b)
	p.total += int64(n)
	due := p.start.Add(time.Duration(p.total * int64(time.Second) / p.rate))
	if !sleepUntil(RealClock{}, due, p.ctx.Done()) && err == nil {
		err = p.ctx.Err()
	}
	return n, err
}

// dialAddress is the host:port a target URL's requests go to.
func dialAddress(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// over says whether ctx is done or past its deadline: a socket's deadline taken from ctx (a
// dial's) may fire a moment before ctx's own timer does.
func over(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}
