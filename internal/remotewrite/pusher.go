package remotewrite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/exp/api/remote"
	"github.com/prometheus/client_golang/prometheus"
)

// Stats count what a Pusher did. "Samples" counts float samples of every kind;
// SamplesDropped counts float and histogram samples alike. Stale markers are
// samples too and are included.
type Stats struct {
	SamplesSent    int64 // float samples the receiver accepted
	SamplesDropped int64 // samples never delivered: rejected (4xx), evicted from a full queue, or pending at Stop's deadline
	HistogramsSent int64 // native histogram samples the receiver accepted
	RequestsFailed int64 // write requests never delivered, for the reasons above
	Retries        int64 // re-sent attempts after 5xx, 429 or network errors
}

// Pusher gathers metrics every Interval and remote-writes them in order.
type Pusher struct {
	cfg    Config
	g      prometheus.Gatherer
	api    *remote.API
	q      *queue
	conv   *converter
	log    *slog.Logger
	lastTS int64 // last timestamp used, ms; only the gathering goroutine or Stop touch it

	sendCtx    context.Context
	sendCancel context.CancelFunc
	stopGather chan struct{}
	gatherDone chan struct{}
	sendDone   chan struct{}

	stateMu sync.Mutex
	state   pusherState
	stopErr error

	samplesSent, samplesDropped, histogramsSent, requestsFailed, retries atomic.Int64

	errMu        sync.Mutex
	firstErr     error
	loggedGather bool
	drops        dropLog
}

type pusherState uint8

const (
	stateNew pusherState = iota
	stateRunning
	stateStopped
)

var errUndelivered = errors.New("not delivered before Stop's deadline")

// New validates cfg and returns a Pusher for the metrics of g.
func New(cfg Config, g prometheus.Gatherer) (*Pusher, error) {
	if g == nil {
		return nil, errors.New("remotewrite: the Gatherer is nil")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	client := &http.Client{
		Timeout:   cfg.Timeout,
		Transport: userAgentTransport{agent: cfg.UserAgent, next: http.DefaultTransport.(*http.Transport).Clone()},
	}
	api, err := remote.NewAPI(cfg.URL,
		remote.WithAPIHTTPClient(client),
		remote.WithAPIPath(""), // cfg.URL is the full endpoint
		remote.WithAPIBackoff(remote.BackoffConfig{
			Min:        min(minRetryDelay, cfg.MaxRetryDelay),
			Max:        cfg.MaxRetryDelay,
			MaxRetries: 0, // retry until Stop's deadline; the queue bounds memory meanwhile
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("remotewrite: %w", err)
	}
	sendCtx, sendCancel := context.WithCancel(context.Background())
	return &Pusher{
		cfg: cfg, g: g, api: api,
		q:    newQueue(cfg.QueueCapacity),
		conv: newConverter(),
		log:  cfg.Logger.With("component", "remotewrite", "url", cfg.URL),

		sendCtx: sendCtx, sendCancel: sendCancel,
		drops:      dropLog{every: dropLogEvery},
		stopGather: make(chan struct{}),
		gatherDone: make(chan struct{}),
		sendDone:   make(chan struct{}),
	}, nil
}

// Start gathers at once and then every Interval until ctx ends or Stop is
// called; a second goroutine sends the queued requests in order. Sending goes
// on after ctx ends, until Stop. Calling Start again, or after Stop, does nothing.
func (p *Pusher) Start(ctx context.Context) {
	p.stateMu.Lock()
	defer p.stateMu.Unlock()
	if p.state != stateNew {
		return
	}
	p.state = stateRunning
	go p.gatherLoop(ctx)
	go p.sendLoop()
}

// Stop gathers a last time, queues a stale marker for every series ever
// pushed, and sends everything queued until ctx ends. It returns an error when
// any sample was dropped or left undelivered. Stop before Start does nothing.
func (p *Pusher) Stop(ctx context.Context) (Stats, error) {
	p.stateMu.Lock()
	defer p.stateMu.Unlock()
	switch p.state {
	case stateNew:
		p.state = stateStopped
		p.sendCancel()
		return p.Stats(), nil
	case stateStopped:
		return p.Stats(), p.stopErr
	}
	p.state = stateStopped
	p.stopErr = p.stop(ctx)
	return p.Stats(), p.stopErr
}

func (p *Pusher) stop(ctx context.Context) error {
	close(p.stopGather)
	<-p.gatherDone
	p.gatherOnce()
	p.enqueue(p.conv.staleMarkers(p.nextTimestamp()))
	p.q.close()
	select {
	case <-p.sendDone:
	case <-ctx.Done():
		p.sendCancel()
		<-p.sendDone
	}
	p.sendCancel()
	for _, b := range p.q.drain() {
		p.fail(b, errUndelivered)
	}
	return p.deliveryError()
}

// Stats returns the counts so far; a nil Pusher (no remote write) has none.
func (p *Pusher) Stats() Stats {
	if p == nil {
		return Stats{}
	}
	return Stats{
		SamplesSent:    p.samplesSent.Load(),
		SamplesDropped: p.samplesDropped.Load(),
		HistogramsSent: p.histogramsSent.Load(),
		RequestsFailed: p.requestsFailed.Load(),
		Retries:        p.retries.Load(),
	}
}

func (p *Pusher) gatherLoop(ctx context.Context) {
	defer close(p.gatherDone)
	ticker := time.NewTicker(p.cfg.Interval)
	defer ticker.Stop()
	for {
		p.gatherOnce()
		select {
		case <-ticker.C:
		case <-ctx.Done():
			return
		case <-p.stopGather:
			return
		}
	}
}

func (p *Pusher) gatherOnce() {
	mfs, err := p.g.Gather()
	if err != nil {
		// A Gatherer returns what it could gather alongside the error; push that.
		p.logOnce(&p.loggedGather, slog.LevelWarn, "gathering metrics failed; pushing what was gathered", err)
	}
	if len(mfs) == 0 {
		return
	}
	p.enqueue(p.conv.convert(mfs, p.nextTimestamp()))
}

// nextTimestamp is the wall clock in ms, forced to increase: two requests at
// the same millisecond would collide as duplicate samples with other values.
func (p *Pusher) nextTimestamp() int64 {
	ts := time.Now().UnixMilli()
	if ts <= p.lastTS {
		ts = p.lastTS + 1
	}
	p.lastTS = ts
	return ts
}

func (p *Pusher) enqueue(b *batch) {
	if len(b.req.Timeseries) == 0 {
		return
	}
	if p.cfg.Protocol == ProtocolV1 { // converted once here, not on every retry
		b.v1, b.req = toV1(b.req), nil
	}
	if evicted := p.q.push(b); evicted != nil {
		p.fail(evicted, fmt.Errorf("queue full (%d requests): dropped the oldest", p.cfg.QueueCapacity))
	}
}

func (p *Pusher) sendLoop() {
	defer close(p.sendDone)
	for {
		b, ok := p.q.pop(p.sendCtx)
		if !ok {
			return
		}
		p.send(b)
	}
}

func (p *Pusher) send(b *batch) {
	attempts := 0
	onRetry := remote.WithWriteRetryCallback(func(err error) {
		attempts++
		p.retries.Add(1)
		if attempts == 1 {
			p.log.Warn("remote write failed; retrying with backoff", "err", err, "queued", p.q.len())
		}
	})
	var msg any = b.req
	msgType := remote.WriteV2MessageType
	if b.v1 != nil {
		msg, msgType = b.v1, remote.WriteV1MessageType
	}
	_, err := p.api.Write(p.sendCtx, msgType, msg, onRetry)
	switch {
	case err == nil:
		p.samplesSent.Add(int64(b.samples))
		p.histogramsSent.Add(int64(b.histograms))
		if attempts > 0 {
			p.log.Info("remote write recovered", "retries", attempts, "queued", p.q.len())
		}
	case p.sendCtx.Err() != nil:
		p.fail(b, errUndelivered)
	default:
		p.fail(b, err)
	}
}

// fail counts b as lost and, unless it is only left over at Stop (which reports it),
// says so in the log at once.
func (p *Pusher) fail(b *batch, err error) {
	total := p.samplesDropped.Add(b.total())
	p.requestsFailed.Add(1)
	if err != errUndelivered {
		p.drops.note(p.log, b.total(), total, err)
	}
	p.errMu.Lock()
	if p.firstErr == nil {
		p.firstErr = err
	}
	p.errMu.Unlock()
}

// logOnce logs the first occurrence of a repeating problem at level, later ones at debug.
func (p *Pusher) logOnce(logged *bool, level slog.Level, msg string, err error) {
	p.errMu.Lock()
	first := !*logged
	*logged = true
	p.errMu.Unlock()
	if !first {
		level = slog.LevelDebug
	}
	p.log.Log(context.Background(), level, msg, "err", err)
}

func (p *Pusher) deliveryError() error {
	s := p.Stats()
	if s.SamplesDropped == 0 && s.RequestsFailed == 0 {
		return nil
	}
	p.errMu.Lock()
	defer p.errMu.Unlock()
	return fmt.Errorf("remote write to %s: %d samples dropped in %d failed requests; first error: %w",
		p.cfg.URL, s.SamplesDropped, s.RequestsFailed, p.firstErr)
}

// userAgentTransport sets the User-Agent, which the remote client leaves to Go's default.
type userAgentTransport struct {
	agent string
	next  http.RoundTripper
}

func (t userAgentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", t.agent)
	return t.next.RoundTrip(r)
}
