// Package probe streams one request from an SSE endpoint and publishes what only a
// stream-aware client sees: when the first byte and the first event came, how many events
// arrived, the largest gap between two of them, whether [DONE] closed the stream — and
// whether a proxy held the stream back (buffering) or stalled it (Nagle's algorithm).
package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/sse"
)

// Reasons a probe fails; each is always published (0 or 1) so that queries need no absent().
const (
	ReasonConnect      = "connect"        // no HTTP response: refused, reset, TLS, DNS
	ReasonTimeout      = "timeout"        // the deadline passed before the stream ended
	ReasonStatus       = "status"         // a status outside 2xx
	ReasonStreamError  = "stream_error"   // the connection broke mid-stream
	ReasonTooFewEvents = "too_few_events" // fewer events than min_events
	ReasonGapExceeded  = "gap_exceeded"   // a gap between events above max_event_gap
	ReasonBuffered     = "buffered"       // the first event came too close to the last
	ReasonNoDone       = "no_done"        // the stream ended without data: [DONE]
)

// Reasons lists every failure reason in the order they are published.
var Reasons = []string{ReasonConnect, ReasonTimeout, ReasonStatus, ReasonStreamError,
	ReasonTooFewEvents, ReasonGapExceeded, ReasonBuffered, ReasonNoDone}

// Limits of one probe's response.
const (
	// MaxBodyBytes is the most of a response body a probe reads; more is a stream error.
	MaxBodyBytes = 4 << 20
	// MaxHeaderBytes bounds the response's header block; more is no response (connect).
	MaxHeaderBytes = 64 << 10
)

// errBodyTooLarge ends a stream that passed MaxBodyBytes.
var errBodyTooLarge = fmt.Errorf("response body over the probe's %d-byte cap", MaxBodyBytes)

// Result is what one probe measured.
type Result struct {
	StatusCode       int
	TimeToFirstByte  time.Duration
	TimeToFirstEvent time.Duration
	StreamDuration   time.Duration // request sent → end of the body
	FirstToLastEvent time.Duration
	Events           int
	MaxEventGap      time.Duration
	Done             bool
	Failed           map[string]bool
}

// Success reports whether every check passed.
func (r Result) Success() bool { return len(r.Failed) == 0 }

// Run probes target with module m until ctx ends.
func Run(ctx context.Context, target string, m exporterconfig.Module) Result {
	m = m.WithDefaults()
	res := Result{Failed: map[string]bool{}}
	req, err := newRequest(ctx, target, m)
	if err != nil {
		res.Failed[ReasonConnect] = true
		return res
	}
	start := time.Now()
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotFirstResponseByte: func() { res.TimeToFirstByte = time.Since(start) },
	}))
	client := &http.Client{
		Transport: &http.Transport{
			DisableKeepAlives: true,
			// No gzip unless the module asks for it (Accept-Encoding in its headers, as a
			// gateway row of servers.yaml does); then the body is gunzipped as it arrives.
			DisableCompression:     true,
			Proxy:                  nil,
			MaxResponseHeaderBytes: MaxHeaderBytes,
		},
		// A redirect is the answer (a status failure), never a way to send the
		// module's request and headers to a target the allow-list did not check.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		res.Failed[deadlineOr(ctx, ReasonConnect)] = true
		return res
	}
	defer resp.Body.Close()
	res.StatusCode = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.Failed[ReasonStatus] = true
		return res
	}
	body, err := sse.DecodedBody(resp.Header, &cappedReader{r: resp.Body, left: MaxBodyBytes})
	if err != nil {
		res.Failed[ReasonStreamError] = true
		return res
	}
	readEvents(ctx, body, start, &res)
	res.StreamDuration = time.Since(start)
	check(m, &res)
	return res
}

func newRequest(ctx context.Context, target string, m exporterconfig.Module) (*http.Request, error) {
	var body io.Reader
	if m.Body != "" {
		body = strings.NewReader(m.Body)
	}
	req, err := http.NewRequestWithContext(ctx, m.Method, target, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range m.Headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

var doneData = []byte("[DONE]")

// readEvents consumes the stream; events are stamped by the reader when their last byte arrives.
func readEvents(ctx context.Context, body io.Reader, start time.Time, res *Result) {
	r := sse.NewReader(body, time.Now)
	var first, prev time.Time
	for {
		ev, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				res.Failed[deadlineOr(ctx, ReasonStreamError)] = true
			}
			return
		}
		res.Events++
		if first.IsZero() {
			first = ev.At
			res.TimeToFirstEvent = ev.At.Sub(start)
		} else if gap := ev.At.Sub(prev); gap > res.MaxEventGap {
			res.MaxEventGap = gap
		}
		prev = ev.At
		res.FirstToLastEvent = ev.At.Sub(first)
		if bytes.Equal(bytes.TrimSpace(ev.Data), doneData) {
			res.Done = true
		}
	}
}

// cappedReader fails with errBodyTooLarge once more than left bytes would be read.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte // a body of exactly the cap ends here with its EOF
		if n, err := c.r.Read(one[:]); n == 0 && err != nil {
			return 0, err
		}
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// check applies the module's rules to a stream that ended.
func check(m exporterconfig.Module, res *Result) {
	if res.Events < m.MinEvents {
		res.Failed[ReasonTooFewEvents] = true
	}
	if m.MaxEventGap > 0 && res.MaxEventGap > m.MaxEventGap.D() {
		res.Failed[ReasonGapExceeded] = true
	}
	if buffered(m.Buffering, res) {
		res.Failed[ReasonBuffered] = true
	}
	if m.WantDone() && !res.Done {
		res.Failed[ReasonNoDone] = true
	}
}

// buffered applies the buffering rule: a streamed answer spreads its events over time,
// a buffered one delivers them together at the end.
func buffered(b exporterconfig.Buffering, res *Result) bool {
	if res.Events < 2 || res.Failed[ReasonTimeout] || res.Failed[ReasonStreamError] {
		return false // nothing to judge: a single event, or a stream cut short (its reason says so)
	}
	if b.MinFirstToLast > 0 && res.FirstToLastEvent < b.MinFirstToLast.D() {
		return true
	}
	if f := b.MaxFirstEventFraction; f > 0 && res.StreamDuration > 0 &&
		float64(res.TimeToFirstEvent) > f*float64(res.StreamDuration) {
		return true
	}
	return false
}

func deadlineOr(ctx context.Context, reason string) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ReasonTimeout
	}
	return reason
}

// Register publishes res into a fresh registry, blackbox_exporter style.
func Register(reg *prometheus.Registry, res Result, elapsed time.Duration) {
	gauge := func(name, help string, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		g.Set(v)
		reg.MustRegister(g)
	}
	gauge(metricname.ProbeSuccess, "1 when every check passed.", boolFloat(res.Success()))
	gauge(metricname.ProbeDuration, "How long the whole probe took.", elapsed.Seconds())
	gauge(metricname.ProbeHTTPStatusCode, "HTTP status of the response; 0 when none came.", float64(res.StatusCode))
	gauge(metricname.ProbeTimeToFirstByte, "Request sent → first response byte.", res.TimeToFirstByte.Seconds())
	gauge(metricname.ProbeTimeToFirstEvent, "Request sent → first complete SSE event.", res.TimeToFirstEvent.Seconds())
	gauge(metricname.ProbeStreamDuration, "Request sent → end of the stream.", res.StreamDuration.Seconds())
	gauge(metricname.ProbeFirstToLastEvent, "First event → last event; near 0 when a proxy buffers the stream.", res.FirstToLastEvent.Seconds())
	gauge(metricname.ProbeEvents, "SSE events received, [DONE] included.", float64(res.Events))
	gauge(metricname.ProbeMaxEventGap, "Largest gap between two consecutive events.", res.MaxEventGap.Seconds())
	gauge(metricname.ProbeDone, "1 when the stream closed with data: [DONE].", boolFloat(res.Done))
	failed := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricname.ProbeFailure,
		Help: "1 for each reason the probe failed (connect, timeout, status, stream_error, too_few_events, gap_exceeded, buffered, no_done).",
	}, []string{"reason"})
	for _, r := range Reasons {
		failed.WithLabelValues(r).Set(boolFloat(res.Failed[r]))
	}
	reg.MustRegister(failed)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
