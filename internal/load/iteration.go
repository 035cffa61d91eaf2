package load

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/ssebench/ssebench/internal/sse"
	"github.com/ssebench/ssebench/internal/stub"
)

// DefaultBody is the chat completion each iteration requests when Options.Body is nil.
var DefaultBody = []byte(`{"model":"ssebench","stream":true,"messages":[{"role":"user","content":"Write a haiku about streaming tokens."}]}`)

// ChatCompletionsPath is appended to the target URL.
const ChatCompletionsPath = "/v1/chat/completions"

var doneData = []byte("[DONE]")

// iterator runs one iteration: one streamed chat completion, parsed as it arrives.
type iterator struct {
	lean    *leanClient // plain-http targets; nil: client
	client  *http.Client
	url     string
	body    []byte
	headers http.Header    // read-only once built: shared by every VU's requests
	paired  *pairedLengths // nil: the stub draws each length unpaired, if it draws any
	clock   Clock
	col     *collector
	timeout time.Duration
}

// newTransport is one keep-alive pool for every VU, like k6's, counting wire bytes both ways.
func newTransport(maxVUs int, col *collector) *http.Transport {
	dialer := newDialer()
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: conn, col: col}, nil
		},
		MaxIdleConns:           maxVUs,
		MaxIdleConnsPerHost:    maxVUs,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		DisableCompression:     true, // a compressed stream would arrive in bursts
		MaxResponseHeaderBytes: MaxResponseHeaderBytes,
	}
}

// MaxResponseHeaderBytes bounds a response's header block, for both clients: a broken
// proxy that sends more fails its requests instead of growing a buffer per VU.
const MaxResponseHeaderBytes = 64 << 10

func newDialer() *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
}

// countingConn feeds k6_data_received_total and k6_data_sent_total with what crosses the socket.
type countingConn struct {
	net.Conn
	col *collector
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.col.received(n)
	}
	return n, err
}

// Write counts before writing: the transport writes from its own goroutine, and counting
// afterwards could land after the response was read and the run summarised. Only a write
// that fails (a failed request) over-counts, by what it could not send.
func (c *countingConn) Write(b []byte) (int, error) {
	if len(b) > 0 {
		c.col.sent(len(b))
	}
	return c.Conn.Write(b)
}

// run is an iterateFunc. Every latency is measured from scheduled: for the closed executors
// that is when the request was sent, for the arrival-rate one when it was due.
func (it *iterator) run(ctx context.Context, scheduled time.Time, arrival int64) bool {
	seed, seeded := it.paired.seed(arrival)
	if it.lean != nil {
		return it.runLean(ctx, scheduled, seed)
	}
	rctx, cancel := context.WithTimeout(ctx, it.timeout)
	defer cancel()
	var firstByte time.Time
	trace := &httptrace.ClientTrace{GotFirstResponseByte: func() { firstByte = it.clock.Now() }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(rctx, trace), http.MethodPost, it.url, bytes.NewReader(it.body))
	if err != nil {
		return false // the URL was validated when the run started
	}
	req.Header = it.headers
	if seeded {
		req.Header = it.headers.Clone()
		req.Header.Set(stub.HeaderSeed, seed)
	}
	resp, err := it.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		it.col.request(requestResult{failed: true, err: err, duration: it.clock.Now().Sub(scheduled)})
		return true
	}
	seen, readErr := it.readBody(resp, scheduled)
	resp.Body.Close()
	end := it.clock.Now()
	if ctx.Err() != nil {
		return false
	}
	statusOK := resp.StatusCode == http.StatusOK
	it.col.request(requestResult{
		status: resp.StatusCode, statusOK: statusOK, done: seen.done, err: readErr,
		failed:   readErr != nil || !statusOK || !seen.done,
		duration: end.Sub(scheduled), waiting: firstByte.Sub(scheduled), hasWaiting: !firstByte.IsZero(),
		firstEvent: seen.firstEvent, maxGap: seen.maxGap,
	})
	return true
}

// readBufferSize is one read of a stream body; token chunks are small.
const readBufferSize = 16 << 10

// maxEmptyReads bounds how often a misbehaving body may return 0, nil in a row.
const maxEmptyReads = 100

// maxPendingGaps is how many event gaps a stream keeps before handing them to the summary
// trend in one locked batch: one lock per stream rather than one per event, for hundreds of VUs.
const maxPendingGaps = 64

// stream is the per-iteration state of reading one event stream. It is pooled with its
// parser and read buffer, so that a stream allocates nothing of its own.
type stream struct {
	it     *iterator
	sent   time.Time
	last   time.Time
	events int
	done   bool // the latest event was [DONE]

	firstEvent, maxGap time.Duration // what the SLO judges (streamSeen)

	parser *sse.Parser
	emit   func(*sse.Event) // s.onEvent, bound once: a method value allocates each time it is taken
	gaps   []time.Duration  // observed in Prometheus already, not yet in the summary trend
	buf    [readBufferSize]byte
}

var streams = sync.Pool{New: func() any {
	s := &stream{parser: sse.NewParser(), gaps: make([]time.Duration, 0, maxPendingGaps)}
	s.emit = s.onEvent
	return s
}}

func getStream(it *iterator, sent time.Time) *stream {
	s := streams.Get().(*stream)
	s.it, s.sent, s.last, s.events, s.done = it, sent, time.Time{}, 0, false
	s.firstEvent, s.maxGap = 0, 0
	s.parser.Reset()
	return s
}

// release hands the stream's pending figures over and returns it to the pool.
func (s *stream) release() {
	s.flushGaps()
	s.it.col.eventsSeen(s.events)
	s.it.col.streamEnded(s.events, s.done)
	s.it = nil
	streams.Put(s)
}

func (s *stream) flushGaps() {
	s.it.col.gap.recordAll(s.gaps)
	s.gaps = s.gaps[:0]
}

// onEvent is the parser's emit callback; ev is only valid during the call.
func (s *stream) onEvent(ev *sse.Event) {
	if s.events == 0 {
		s.firstEvent = ev.At.Sub(s.sent)
		s.it.col.firstToken(s.firstEvent)
	} else {
		d := ev.At.Sub(s.last)
		s.maxGap = max(s.maxGap, d)
		s.it.col.eventGapLive(d)
		if s.gaps = append(s.gaps, d); len(s.gaps) == maxPendingGaps {
			s.flushGaps()
		}
	}
	s.last, s.events = ev.At, s.events+1
	s.done = bytes.Equal(ev.Data, doneData)
}

// streamSeen is what a stream's events showed its iteration: whether the last was [DONE], and
// the timings its SLO judges, its time to first event and its largest gap between events.
type streamSeen struct {
	done               bool
	firstEvent, maxGap time.Duration
}

func (s *stream) seen() streamSeen {
	return streamSeen{done: s.done, firstEvent: s.firstEvent, maxGap: s.maxGap}
}

// readBody reads resp's event stream, gunzipped as it arrives when the server compressed
// it (a gateway asked for gzip by servers.yaml's headers), then the raw body's end, so that
// a kept-alive connection has nothing left unread.
func (it *iterator) readBody(resp *http.Response, sent time.Time) (seen streamSeen, err error) {
	body, err := sse.DecodedBody(resp.Header, resp.Body)
	if err != nil {
		return streamSeen{}, err
	}
	seen, err = it.readStream(body, sent)
	if body != io.Reader(resp.Body) && err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	return seen, err
}

// readStream parses the body incrementally with sse.Parser, stamping each read as it
// arrives, and records time to first token and every gap between events. It reports what
// the events showed (streamSeen), and any read error other than the stream's clean end.
func (it *iterator) readStream(body io.Reader, sent time.Time) (seen streamSeen, err error) {
	s := getStream(it, sent)
	defer s.release()
	for empty := 0; ; {
		n, err := body.Read(s.buf[:])
		if n > 0 {
			s.parser.Feed(s.buf[:n], it.clock.Now(), s.emit)
			empty = 0
			if perr := s.parser.Err(); perr != nil {
				return s.seen(), perr // a line or event over the parser's limit: a broken stream
			}
		}
		switch {
		case errors.Is(err, io.EOF):
			return s.seen(), nil
		case err != nil:
			return s.seen(), err
		case n == 0:
			if empty++; empty >= maxEmptyReads {
				return s.seen(), io.ErrNoProgress
			}
		}
	}
}
