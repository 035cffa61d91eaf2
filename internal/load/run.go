package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultRequestTimeout bounds one streamed request, as k6's default request timeout does.
const DefaultRequestTimeout = 60 * time.Second

// Options configure one load run: one scenario against one server.
type Options struct {
	Target                       string // base URL of the server under test
	TestID, Server, ScenarioName string
	Scenario                     Scenario    // from the scenario file, possibly Quick-scaled; whole, not InSegment
	Segment                      *Segment    // nil: the whole scenario; else this instance's share, and a load_instance label
	Headers                      http.Header // extra request headers (X-Stub-*)
	Body                         []byte      // nil: DefaultBody
	Registry                     *prometheus.Registry
	Progress                     func(Progress) // called about once a second, and once at the end
	Clock                        Clock          // nil: real time
	RequestTimeout               time.Duration  // 0: DefaultRequestTimeout
	// Clients are the misbehaving clients run beside the scenario's (the scenario file's
	// "clients", ScenarioFile); zero: none. They run on the wall clock whatever Clock says.
	Clients Clients
	Seed    uint64 // of the cancelling clients' moments; 0: from the time (logged)
	// LengthSalt keys the lengths drawn for an arrival-rate scenario's streams (pairedLengths):
	// runs with the same salt give the same arrival the same length on every server.
	LengthSalt uint64
	SLO        SLO          // each stream is judged by it for goodput; zero: DefaultSLO
	Logger     *slog.Logger // nil: slog.Default()
}

// Progress is a snapshot of a running load run.
type Progress struct {
	Elapsed, Total time.Duration // Total: the scenario's nominal length, without the graceful stop
	VUs            int
	ReqPerSec      float64 // over the last report interval
	Requests       int64
	Failures       int64 // failed requests so far
}

// Run runs the scenario against opts.Target, recording into opts.Registry, and returns the
// summary. Cancelling ctx interrupts the iterations in flight and still returns the summary
// of what was measured, with Aborted set.
func Run(ctx context.Context, opts Options) (*Summary, error) {
	if opts.Scenario == nil {
		return nil, errors.New("load: Options.Scenario is nil")
	}
	whole := opts.Scenario
	if err := opts.Clients.check(whole, "load: Options.Clients"); err != nil {
		return nil, err
	}
	if err := CheckFileLimit(whole, opts.Segment, opts.Clients); err != nil {
		return nil, err
	}
	// With cancelling clients, the well-behaved ones run the rate they leave.
	var err error
	if opts.Scenario, err = opts.Clients.wellBehaved(whole).InSegment(opts.Segment); err != nil {
		return nil, err
	}
	opts.Scenario = seededArrivals(opts.Scenario, time.Now()) // the seed the summary prints
	r, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	defer r.closeIdle()
	side, err := newSidecars(opts, whole, r)
	if err != nil {
		return nil, fmt.Errorf("load: the misbehaving clients: %w", err)
	}
	ex, err := newExecutor(opts.Scenario, r.clock, r.it.run, r.col)
	if err != nil {
		return nil, err
	}
	start := r.clock.Now()
	r.m.live.startNanos.Store(start.UnixNano())
	stopProgress := reportProgress(r.clock, r.col, opts)
	side.start(ctx, time.Now())
	ex.run(ctx)
	r.m.live.endNanos.Store(r.clock.Now().UnixNano())
	stopProgress()
	side.wait()
	sum := r.col.summary(opts, r.m.live.elapsed())
	side.summarize(sum)
	sum.Arrival = arrivalSummary(opts.Scenario)
	sum.Aborted = ctx.Err() != nil
	return sum, nil
}

// prepared is everything a run needs besides its executor.
type prepared struct {
	clock     Clock
	m         *metrics
	col       *collector
	it        *iterator
	transport *http.Transport // https targets
}

func (r *prepared) closeIdle() {
	r.transport.CloseIdleConnections()
	if r.it.lean != nil {
		r.it.lean.CloseIdleConnections()
	}
}

func prepare(opts Options) (*prepared, error) {
	target, err := ParseTarget(opts.Target)
	if err != nil {
		return nil, err
	}
	if opts.Registry == nil {
		return nil, errors.New("load: Options.Registry is nil")
	}
	if opts.Scenario == nil {
		return nil, errors.New("load: Options.Scenario is nil")
	}
	r := &prepared{clock: opts.Clock}
	if r.clock == nil {
		r.clock = RealClock{}
	}
	url := strings.TrimRight(target.String(), "/") + ChatCompletionsPath
	r.m, err = newMetrics(opts.Registry, seriesLabels(opts), http.MethodPost, url, r.clock)
	if err != nil {
		return nil, fmt.Errorf("load: registering metrics: %w", err)
	}
	r.col = newCollector(r.m)
	r.col.slo = opts.SLO.orDefault()
	r.transport = newTransport(opts.Scenario.MaxVUCount(), r.col)
	r.it = &iterator{client: &http.Client{Transport: r.transport}, url: url, body: opts.Body,
		headers: requestHeaders(opts.Headers), clock: r.clock, col: r.col, timeout: opts.RequestTimeout}
	r.it.paired = newPairedLengths(r.it.headers, opts.LengthSalt)
	if r.it.body == nil {
		r.it.body = DefaultBody
	}
	if r.it.timeout <= 0 {
		r.it.timeout = DefaultRequestTimeout
	}
	if target.Scheme == "http" {
		if r.it.lean, err = newLeanClient(url, r.it.body, r.it.headers, opts.Scenario.MaxVUCount(), r.col); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// LoadInstanceLabel tells apart the series of the instances of a split run (Options.Segment):
// their counters each start at zero, and without it they would collide in the store.
const LoadInstanceLabel = "load_instance"

// seriesLabels are the labels on every series; an unsplit run keeps the old set, so its
// series and every query over them stay as they were.
func seriesLabels(opts Options) prometheus.Labels {
	l := prometheus.Labels{"testid": opts.TestID, "server": opts.Server, "scenario": opts.ScenarioName}
	if opts.Segment != nil {
		l[LoadInstanceLabel] = opts.Segment.String()
	}
	return l
}

func requestHeaders(extra http.Header) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "text/event-stream")
	h.Set("User-Agent", "ssebench-load")
	for k, vs := range extra {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	return h
}

// ParseTarget checks that target is an absolute http(s) URL with a host.
func ParseTarget(target string) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", target, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target %q: want an http:// or https:// URL with a host", target)
	}
	return u, nil
}

// CheckReachable dials the target's host and port, so that a run against a server that is
// not there fails at once with the URL in the error rather than as 100 % failed requests.
func CheckReachable(ctx context.Context, target string) error {
	u, err := ParseTarget(target)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", dialAddress(u))
	if err != nil {
		return fmt.Errorf("target %s is unreachable: %w", target, err)
	}
	return conn.Close()
}

// reportProgress calls opts.Progress about once a second until the returned stop is called,
// which reports one last time.
func reportProgress(clock Clock, col *collector, opts Options) (stop func()) {
	if opts.Progress == nil {
		return func() {}
	}
	total := opts.Scenario.Length()
	start := clock.Now()
	last, lastReqs := start, int64(0)
	report := func() {
		now := clock.Now()
		reqs := col.requests.Load()
		rate := 0.0
		if d := now.Sub(last).Seconds(); d > 0 {
			rate = float64(reqs-lastReqs) / d
		}
		last, lastReqs = now, reqs
		opts.Progress(Progress{Elapsed: now.Sub(start), Total: total, VUs: int(col.m.live.vus.Load()),
			ReqPerSec: rate, Requests: reqs, Failures: col.failedReqs.Load()})
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			t := clock.NewTimer(time.Second)
			select {
			case <-t.C():
				report()
			case <-quit:
				t.Stop()
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
		report()
	}
}
