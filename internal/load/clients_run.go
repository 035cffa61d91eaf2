package load

import (
	"context"
	"crypto/tls"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// User-Agents of the misbehaving clients, so that a server's log tells them from the
// well-behaved clients' "ssebench-load".
const (
	userAgentCanceller  = "ssebench-load-cancelling-client"
	userAgentSlowReader = "ssebench-load-slow-reader"
)

// sidecars are a run's misbehaving clients, run beside its executor (Clients).
type sidecars struct {
	cancel *cancellers  // nil: none
	slow   *slowReaders // nil: none
	wg     sync.WaitGroup
}

// newSidecars prepares the clients of opts.Clients; whole is the scenario before the cancel
// split and the segment, r the well-behaved clients' run (its URL, body and headers).
func newSidecars(opts Options, whole Scenario, r *prepared) (*sidecars, error) {
	s := &sidecars{}
	c := opts.Clients
	if !c.Any() {
		return s, nil
	}
	m, err := newClientMetrics(opts.Registry, seriesLabels(opts), c)
	if err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if c.Cancel != nil {
		plan, err := planCancel(*c.Cancel, whole.(ConstantArrivalRate), opts.Segment) // check has made sure it is one
		if err != nil {
			return nil, err
		}
		seed := opts.Seed
		if seed == 0 {
			seed = uint64(time.Now().UnixNano())
		}
		s.cancel = &cancellers{plan: plan, client: &http.Client{Transport: newCancelTransport()}, url: r.it.url,
			body: r.it.body, headers: withUserAgent(r.it.headers, userAgentCanceller), shape: streamedShape(r.it.headers),
			seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), m: m, logger: logger}
	}
	if c.SlowReaders != nil {
		cfg := c.SlowReaders.withDefaults()
		cfg.Count = opts.Segment.Scale(cfg.Count)
		target, err := ParseTarget(opts.Target)
		if err != nil {
			return nil, err
		}
		s.slow = &slowReaders{cfg: cfg, addr: dialAddress(target), url: r.it.url, body: r.it.body,
			headers: cfg.headers(r.it.headers), duration: whole.Length(), m: m,
			outcomes: map[string]*atomic.Int64{}, cutAfter: newTrend()}
		if target.Scheme == "https" {
			s.slow.tls = &tls.Config{ServerName: target.Hostname(), NextProtos: []string{"http/1.1"}}
		}
		for _, o := range slowOutcomes {
			s.slow.outcomes[o] = new(atomic.Int64)
		}
	}
	return s, nil
}

func withUserAgent(h http.Header, ua string) http.Header {
	h = h.Clone()
	h.Set("User-Agent", ua)
	return h
}

// start starts the clients at start, on the wall clock.
func (s *sidecars) start(ctx context.Context, start time.Time) {
	if s.cancel != nil {
		s.wg.Go(func() { s.cancel.run(ctx, start) })
	}
	if s.slow != nil {
		s.wg.Go(func() { s.slow.run(ctx, start) })
	}
}

// wait returns when every client has ended: the slow readers with the scenario's duration,
// the cancelling clients at their moment, or at the scenario's graceful stop at the latest.
func (s *sidecars) wait() { s.wg.Wait() }

// summarize adds what the clients did to sum.
func (s *sidecars) summarize(sum *Summary) {
	if c := s.cancel; c != nil {
		sum.CancellingClients = &CancelSummary{Seed: c.seed, Started: c.started.Load(), Cancels: c.cancels.Load(),
			EndedFirst: c.endedFirst.Load(), Failed: c.failed.Load(), Interrupted: c.interrupts.Load(),
			FirstError: derefOr(c.firstError.Load())}
	}
	if r := s.slow; r != nil {
		sum.SlowReaders = &SlowReaderSummary{Readers: r.cfg.Count, Done: r.outcomes[OutcomeDone].Load(),
			Cut: r.outcomes[OutcomeCut].Load(), Failed: r.outcomes[OutcomeFailed].Load(),
			Unfinished: r.outcomes[OutcomeUnfinished].Load(), CutAfter: r.cutAfter.summary(),
			FirstError: derefOr(r.firstError.Load())}
	}
}
