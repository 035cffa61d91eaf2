package stub

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/metricname"
)

// metrics are plain atomics on the hot path; the collector turns them into
// const metrics at scrape time, so a stream pays one atomic add per event.
type metrics struct {
	started       atomic.Uint64
	completed     atomic.Uint64
	clientAborted atomic.Uint64
	faultAborted  atomic.Uint64
	errorsInject  atomic.Uint64
	stalls        atomic.Uint64
	events        atomic.Uint64
	active        atomic.Int64
	byCode        [600]atomic.Uint64
	cancelsMissed atomic.Uint64
	// cancelPropagation is a real histogram, not an atomic read at scrape time: only streams
	// that carry X-Stub-Cancel-At and are aborted by their client observe it, off the hot path.
	cancelPropagation prometheus.Histogram
	// streamTokens observes the token counts drawn from a distribution, once per answered
	// request; fixed counts are not observed.
	streamTokens prometheus.Histogram
}

// cancelPropagationBuckets reach from a proxy that cancels at once (under 1 ms on
// loopback) to one that notices only when a long stream ends.
var cancelPropagationBuckets = []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5, 10, 30}

// streamTokensBuckets are powers of two from 1 to 16384: answer lengths span orders of
// magnitude, so each bucket is as wide as everything below it.
var streamTokensBuckets = prometheus.ExponentialBuckets(1, 2, 15)

func newMetrics() *metrics {
	return &metrics{
		cancelPropagation: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    metricname.StubCancelPropagation,
			Help:    "From a cancelling client's planned close (X-Stub-Cancel-At) to the stub seeing its stream aborted; 0 when the abort came before the planned close.",
			Buckets: cancelPropagationBuckets,
		}),
		streamTokens: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    metricname.StubStreamTokens,
			Help:    "Token counts drawn from a distribution (--tokens-dist, X-Stub-Tokens-Dist) for answered requests, after the output cap; fixed counts are not observed.",
			Buckets: streamTokensBuckets,
		}),
	}
}

// cancelOutcome settles a stream that carried X-Stub-Cancel-At (cancelAt, Unix ns) once it
// ended at now, completed or left by its client.
func (m *metrics) cancelOutcome(cancelAt int64, completed bool, now time.Time) {
	late := now.Sub(time.Unix(0, cancelAt))
	switch {
	case !completed:
		// An abort before the planned close had another cause (the client failed, or the
		// proxy dropped the stream itself): it is observed as 0 rather than dropped, so that
		// the histogram's count stays the number of cancelled streams that reached the stub.
		m.cancelPropagation.Observe(max(late, 0).Seconds())
	case late > 0:
		// Sent to its end after the client had gone: the cancel never reached the stub.
		m.cancelsMissed.Add(1)
	}
	// A stream that completed before its planned close counts in neither: the client had
	// nothing left to cancel.
}

func (m *metrics) countStatus(code int) {
	if code >= 0 && code < len(m.byCode) {
		m.byCode[code].Add(1)
	}
}

var (
	descStarted = prometheus.NewDesc(metricname.StubStreamsStarted,
		"Streams whose 200 header was sent.", nil, nil)
	descCompleted = prometheus.NewDesc(metricname.StubStreamsCompleted,
		"Streams that ended with data: [DONE].", nil, nil)
	descClientAborted = prometheus.NewDesc(metricname.StubStreamsClientAborted,
		"Streams the client went away from before [DONE] (request context cancelled or write failed).", nil, nil)
	descFaultAborted = prometheus.NewDesc(metricname.StubStreamsFaultAborted,
		"Streams the stub dropped on purpose (abort rate or abort-after fault).", nil, nil)
	descErrorsInjected = prometheus.NewDesc(metricname.StubErrorsInjected,
		"Requests answered with an injected error status.", nil, nil)
	descStalls = prometheus.NewDesc(metricname.StubStalls,
		"Injected mid-stream stalls that began.", nil, nil)
	descEvents = prometheus.NewDesc(metricname.StubStreamEvents,
		"SSE events written, each flushed at once but [DONE], which leaves with the end of the response.", nil, nil)
	descActive = prometheus.NewDesc(metricname.StubStreamsActive,
		"Streams in progress.", nil, nil)
	descRequests = prometheus.NewDesc(metricname.StubRequests,
		"Responses by HTTP status code, all routes but successful /healthz and /metrics answers.", []string{"code"}, nil)
	descCancelsMissed = prometheus.NewDesc(metricname.StubCancelsMissed,
		"Streams with X-Stub-Cancel-At sent to their end after that moment: the client's cancel never reached the stub.", nil, nil)
)

// collector exposes metrics to a registry.
type collector struct{ m *metrics }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStarted, descCompleted, descClientAborted,
		descFaultAborted, descErrorsInjected, descStalls, descEvents, descActive, descRequests, descCancelsMissed} {
		ch <- d
	}
	c.m.cancelPropagation.Describe(ch)
	c.m.streamTokens.Describe(ch)
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	counter(descStarted, m.started.Load())
	counter(descCompleted, m.completed.Load())
	counter(descClientAborted, m.clientAborted.Load())
	counter(descFaultAborted, m.faultAborted.Load())
	counter(descErrorsInjected, m.errorsInject.Load())
	counter(descStalls, m.stalls.Load())
	counter(descEvents, m.events.Load())
	counter(descCancelsMissed, m.cancelsMissed.Load())
	m.cancelPropagation.Collect(ch)
	m.streamTokens.Collect(ch)
	ch <- prometheus.MustNewConstMetric(descActive, prometheus.GaugeValue, float64(m.active.Load()))
	for code := range m.byCode {
		// 200 is always exported so that rate() has a series from the first scrape.
		if v := m.byCode[code].Load(); v > 0 || code == 200 {
			ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(v), strconv.Itoa(code))
		}
	}
}
