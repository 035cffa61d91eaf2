package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssebench/ssebench/internal/stub"
)

// cancellers are the cancelling clients of a run (CancelClients): arrivals at their rate,
// each a stream that the client closes, connection and all, at a moment drawn uniformly from
// the stream's span. They run on the wall clock whatever Options.Clock says: the moment is
// announced to the stub (HeaderCancelAt), which compares it with its own clock.
type cancellers struct {
	plan    cancelPlan
	client  *http.Client
	url     string
	body    []byte
	headers http.Header // the well-behaved clients' headers; each request adds its HeaderCancelAt
	shape   streamed    // the stream the stub sends them: what the moments are drawn from
	seed    uint64
	rng     *rand.Rand // drawn by the scheduling goroutine alone
	m       *clientMetrics
	logger  *slog.Logger

	active                                           atomic.Int64
	started, cancels, endedFirst, failed, interrupts atomic.Int64
	dropped                                          atomic.Int64 // due beyond the bound: logged only
	firstError                                       atomic.Pointer[string]
	wg                                               sync.WaitGroup
}

// newCancelTransport has no keep-alive, so that closing a body before its end closes the TCP
// connection, as a user's tab does; nothing is shared with the well-behaved clients' pool.
func newCancelTransport() *http.Transport {
	return &http.Transport{
		DialContext:            newDialer().DialContext,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxResponseHeaderBytes: MaxResponseHeaderBytes,
	}
}

// run starts the cancelling clients due from start on and waits for the last to end: each
// ends at its moment at the latest, and all are interrupted at the scenario's graceful stop.
func (c *cancellers) run(ctx context.Context, start time.Time) {
	c.logger.Info("cancelling clients", "seed", c.seed, "rate", c.plan.rate, "per", c.plan.timeUnit,
		"at_once_at_most", c.plan.bound, "delay_from", c.shape.TimeToFirstToken,
		"delay_span", c.delaySpan())
	if c.shape.lengthUnknown {
		c.logger.Warn("cancelling clients: the stream's length is drawn from a histogram the stub holds; the cancel moments are drawn over its default length",
			"tokens", c.shape.Tokens)
	}
	ctx, cancel := context.WithDeadline(ctx, start.Add(c.plan.duration+c.plan.grace))
	defer cancel()
	for k := 0; ; k++ { // ends at the scenario's duration: the offsets grow with k
		i, ok := c.plan.arrivals.nth(k)
		if !ok {
			break
		}
		off := arrivalOffset(i, c.plan.rate, c.plan.timeUnit)
		if off >= c.plan.duration || !sleepUntil(RealClock{}, start.Add(off), ctx.Done()) {
			break
		}
		c.launch(ctx)
	}
	c.wg.Wait()
	c.logEnd()
}

// launch starts one cancelling client, or drops it when the bound is reached. Only the
// scheduling goroutine adds to active, so the check cannot let two through at the bound.
func (c *cancellers) launch(ctx context.Context) {
	if c.active.Load() >= int64(c.plan.bound) {
		c.dropped.Add(1)
		return
	}
	c.active.Add(1)
	seed, tokens := c.drawLength()
	delay := c.drawDelay(tokens)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.active.Add(-1)
		c.cancelOne(ctx, delay, seed)
	}()
}

// drawLength is the stream's token count. When the scenario draws lengths, the client picks
// the stub's seed for its request (X-Stub-Seed, over any the headers set), so it knows the
// count the stub will draw and can cancel inside the stream, however long; seed is "" when
// the length is fixed.
func (c *cancellers) drawLength() (seed string, tokens int) {
	if c.shape.TokensDist == nil {
		return "", c.shape.Tokens
	}
	n := c.rng.Uint64()
	return strconv.FormatUint(n, 10), c.shape.TokensDist.CountForSeed(n)
}

// drawDelay is uniform in [timeToFirstToken, timeToFirstToken + tokens × interTokenDelay):
// from the first token to about the stream's end.
func (c *cancellers) drawDelay(tokens int) time.Duration {
	d := c.shape.TimeToFirstToken
	if span := int64(tokens) * int64(c.shape.InterTokenDelay); span > 0 {
		d += time.Duration(c.rng.Int64N(span))
	}
	return d
}

// cancelOne sends one request that announces its cancel moment, reads and discards the stream
// until then, and closes the connection at that moment: the request's deadline makes net/http
// close it. A stream that ends before its moment is no cancel.
func (c *cancellers) cancelOne(ctx context.Context, delay time.Duration, seed string) {
	sent := time.Now()
	cancelAt := sent.Add(delay)
	rctx, cancel := context.WithDeadline(ctx, cancelAt)
	defer cancel()
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(rctx, trace), http.MethodPost, c.url, bytes.NewReader(c.body))
	if err != nil {
		c.fail(err)
		return
	}
	req.Header = c.headers.Clone()
	req.Header.Set(HeaderCancelAt, strconv.FormatInt(cancelAt.UnixNano(), 10))
	if seed != "" {
		req.Header.Set(stub.HeaderSeed, seed)
	}
	c.started.Add(1)
	resp, err := c.client.Do(req)
	if err == nil {
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			c.fail(fmt.Errorf("status %d", resp.StatusCode))
			return
		}
		_, err = io.Copy(io.Discard, resp.Body) // to the stream's end, or to cancelAt
		resp.Body.Close()
		if err == nil {
			c.endedFirst.Add(1)
			return
		}
	}
	switch {
	case over(ctx): // the run was interrupted, or its graceful stop is over
		c.interrupts.Add(1)
	case over(rctx) && wrote.Load():
		c.cancels.Add(1)
		c.m.cancels.Inc()
	case over(rctx):
		c.fail(fmt.Errorf("the request was not sent before its cancel moment, %v after it started: %w", delay, err))
	default:
		c.fail(err)
	}
}

func (c *cancellers) fail(err error) {
	c.failed.Add(1)
	msg := err.Error()
	c.firstError.CompareAndSwap(nil, &msg)
}

// logEnd says what became of the cancelling clients; a warning when some were dropped.
func (c *cancellers) logEnd() {
	level := slog.LevelInfo
	if c.dropped.Load() > 0 || c.failed.Load() > 0 {
		level = slog.LevelWarn
	}
	c.logger.Log(context.Background(), level, "cancelling clients ended",
		"started", c.started.Load(), "cancels_sent", c.cancels.Load(), "streams_ended_first", c.endedFirst.Load(),
		"failed", c.failed.Load(), "interrupted", c.interrupts.Load(),
		"dropped_over_bound", c.dropped.Load(), "bound", c.plan.bound, "first_error", derefOr(c.firstError.Load()))
}

// delaySpan says over what the moments are drawn, for the log.
func (c *cancellers) delaySpan() string {
	if c.shape.TokensDist != nil {
		return c.shape.TokensDist.String() + " tokens × " + c.shape.InterTokenDelay.String()
	}
	return (time.Duration(c.shape.Tokens) * c.shape.InterTokenDelay).String()
}

// streamed is the stream the stub sends for a request: its shape, whose TokensDist is set
// when the request draws its length from a distribution the client can draw from too.
type streamed struct {
	stub.Shape
	// lengthUnknown: the length is drawn from a histogram the stub loaded (named by the
	// request), which the client does not have.
	lengthUnknown bool
}

// streamedShape is the stream the stub sends for a request with the headers h: its default
// shape, or X-Stub-Profile's, with X-Stub-Tokens, -Tokens-Dist, -Time-To-First-Token and
// -Inter-Token-Delay applied as the stub applies them (the last value of a repeated header
// wins). The scenario's "stream" is among h, under any --header that overrides it.
func streamedShape(h http.Header) streamed {
	s := stub.DefaultShape()
	if v, ok := lastValue(h, stub.HeaderProfile); ok {
		if p, err := stub.ProfileShape(v); err == nil {
			s = p
		}
	}
	if v, ok := lastValue(h, stub.HeaderTokens); ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			s.Tokens = n
		}
	}
	for _, d := range []struct {
		header string
		dst    *time.Duration
	}{{stub.HeaderTimeToFirstToken, &s.TimeToFirstToken}, {stub.HeaderInterTokenDelay, &s.InterTokenDelay}} {
		if v, ok := lastValue(h, d.header); ok {
			if x, err := time.ParseDuration(v); err == nil && x >= 0 {
				*d.dst = x
			}
		}
	}
	out := streamed{Shape: s}
	if _, fixed := lastValue(h, stub.HeaderTokens); !fixed { // a count wins over a distribution, as at the stub
		if v, ok := lastValue(h, stub.HeaderTokensDist); ok {
			d, err := stub.ParseTokensDist(v, func(string) (*stub.TokensDist, error) {
				return nil, errors.New("a histogram is the stub's")
			})
			out.TokensDist, out.lengthUnknown = d, err != nil
		}
	}
	return out
}

func lastValue(h http.Header, name string) (string, bool) {
	vs := h.Values(name)
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}
