package stub

import (
	"strconv"
	"sync/atomic"

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
)

// collector exposes metrics to a registry.
type collector struct{ m *metrics }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStarted, descCompleted, descClientAborted,
		descFaultAborted, descErrorsInjected, descStalls, descEvents, descActive, descRequests} {
		ch <- d
	}
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
	ch <- prometheus.MustNewConstMetric(descActive, prometheus.GaugeValue, float64(m.active.Load()))
	for code := range m.byCode {
		// 200 is always exported so that rate() has a series from the first scrape.
		if v := m.byCode[code].Load(); v > 0 || code == 200 {
			ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(v), strconv.Itoa(code))
		}
	}
}
