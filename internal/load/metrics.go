package load

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/metricname"
)

// Check names, shared with the k6 script (k6/sse.ts names the same strings; a test greps it).
const (
	CheckStatus200 = "status is 200"
	CheckDone      = "stream ended with [DONE]"
)

// Native histograms at schema 5 (nativeHistogram), the schema client_golang picks for a bucket
// factor of 1.0219 ≥ 2^(1/32), so any quantile is within about ±1.1 %. No classic buckets: the
// native part is all remote-write sends. The schema is fixed, so it never coarsens mid-run.
const nativeZeroThreshold = 1e-6 // 1 µs: gaps between events delivered by one read are exactly 0

var requestLabels = []string{"method", "name", "status", "expected_response"}

// metrics are the k6-compatible series and the ssebench_ extras of docs/metrics.md
// (metricname.LoadGenerator), in an injected registry, every one carrying testid, server and
// scenario.
type metrics struct {
	reqs         *prometheus.CounterVec
	reqDuration  *nativeHistogram
	reqWaiting   *nativeHistogram
	iterations   prometheus.Counter
	iterDuration *nativeSeries
	dropped      prometheus.Counter
	dataReceived prometheus.Counter
	dataSent     prometheus.Counter
	ttft         *nativeSeries
	gap          *nativeSeries
	events       prometheus.Counter
	incomplete   prometheus.Counter
	failedIters  prometheus.Counter
	streamLength prometheus.Histogram // stream_length.go
	goodput      prometheus.Counter
	live         *liveCollector

	method, name string
	series       sync.Map                     // status code (int) → *statusSeries
	ok           atomic.Pointer[statusSeries] // status 200's, once resolved: nearly every request's
}

// statusSeries is the request series of one status code, resolved once: recording is hot.
type statusSeries struct {
	labels        []string
	reqs          prometheus.Counter
	duration      *nativeSeries
	waiting       *nativeSeries
	total, failed atomic.Int64
}

func newMetrics(reg *prometheus.Registry, constLabels prometheus.Labels, method, name string, clock Clock) (*metrics, error) {
	counter := func(n, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: n, Help: help, ConstLabels: constLabels})
	}
	hist := func(n, help string, labels ...string) *nativeHistogram {
		return newNativeHistogram(n, help, constLabels, labels...)
	}
	iterDuration := hist(metricname.K6IterationDuration, "One whole iteration.")
	ttft := hist(metricname.TimeToFirstToken, "Request sent to first data event.")
	gap := hist(metricname.EventGap, "Each gap between consecutive events of a stream.")
	m := &metrics{
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricname.K6HTTPReqs,
			Help: "HTTP requests made.", ConstLabels: constLabels}, requestLabels),
		reqDuration:  hist(metricname.K6HTTPReqDuration, "Whole stream: request sent to last byte.", requestLabels...),
		reqWaiting:   hist(metricname.K6HTTPReqWaiting, "Time to first byte: request sent to first response byte.", requestLabels...),
		iterations:   counter(metricname.K6Iterations, "Iterations completed."),
		iterDuration: iterDuration.with(),
		dropped:      counter(metricname.K6DroppedIterations, "Arrival-rate iterations that could not start on time."),
		dataReceived: counter(metricname.K6DataReceived, "Bytes received."),
		dataSent:     counter(metricname.K6DataSent, "Bytes sent."),
		ttft:         ttft.with(),
		gap:          gap.with(),
		events:       counter(metricname.StreamEvents, "SSE events received."),
		incomplete:   counter(metricname.StreamsIncomplete, "Streams with status 200 that ended without [DONE]."),
		failedIters:  counter(metricname.IterationsFailed, "Iterations with a transport error or a failed check."),
		streamLength: newStreamLengthHistogram(constLabels),
		goodput:      counter(metricname.GoodputStreams, "Streams that met the per-stream SLO (--slo)."),
		method:       method,
		name:         name,
	}
	m.live = newLiveCollector(constLabels, clock, &m.series)
	for _, c := range []prometheus.Collector{m.reqs, m.reqDuration, m.reqWaiting, m.iterations, iterDuration,
		m.dropped, m.dataReceived, m.dataSent, ttft, gap, m.events, m.incomplete, m.failedIters, m.streamLength, m.goodput, m.live} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) forStatus(status int) *statusSeries {
	if status == http.StatusOK {
		if s := m.ok.Load(); s != nil {
			return s
		}
	}
	if s, ok := m.series.Load(status); ok {
		return s.(*statusSeries)
	}
	expected := strconv.FormatBool(status >= 200 && status <= 399)
	labels := []string{m.method, m.name, strconv.Itoa(status), expected}
	s := &statusSeries{labels: labels, reqs: m.reqs.WithLabelValues(labels...),
		duration: m.reqDuration.with(labels...), waiting: m.reqWaiting.with(labels...)}
	actual, _ := m.series.LoadOrStore(status, s)
	if status == http.StatusOK {
		m.ok.Store(actual.(*statusSeries))
	}
	return actual.(*statusSeries)
}

// liveCollector computes at scrape time what is not a plain counter or histogram: the VU
// gauges, k6's Rate metrics (passes / total), the exact maxima and the elapsed time.
type liveCollector struct {
	clock  Clock
	series *sync.Map

	vus, vusMax          atomic.Int64
	checkPass, checkAll  [2]atomic.Int64 // CheckStatus200, CheckDone
	maxDuration, maxGap  atomic.Int64    // nanoseconds
	startNanos, endNanos atomic.Int64    // wall-clock Unix nanoseconds of the run's start and end; 0 until set

	vusDesc, vusMaxDesc, checksDesc, failedDesc, maxDurDesc, maxGapDesc, elapsedDesc *prometheus.Desc
}

func newLiveCollector(constLabels prometheus.Labels, clock Clock, series *sync.Map) *liveCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, constLabels)
	}
	return &liveCollector{clock: clock, series: series,
		vusDesc:     d(metricname.K6VUs, "Active virtual users."),
		vusMaxDesc:  d(metricname.K6VUsMax, "Allocated virtual users."),
		checksDesc:  d(metricname.K6Checks, "Share of passes of each check.", "check"),
		failedDesc:  d(metricname.K6HTTPReqFailed, "Share of requests that failed: transport error or failed check.", requestLabels...),
		maxDurDesc:  d(metricname.HTTPReqDurationMax, "Exact largest http_req_duration so far."),
		maxGapDesc:  d(metricname.EventGapMax, "Exact largest gap between events so far."),
		elapsedDesc: d(metricname.LoadElapsed, "Seconds since the load run started."),
	}
}

func (c *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.vusDesc, c.vusMaxDesc, c.checksDesc, c.failedDesc, c.maxDurDesc, c.maxGapDesc, c.elapsedDesc} {
		ch <- d
	}
}

func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(c.vusDesc, float64(c.vus.Load()))
	gauge(c.vusMaxDesc, float64(c.vusMax.Load()))
	for i, name := range []string{CheckStatus200, CheckDone} {
		if all := c.checkAll[i].Load(); all > 0 {
			gauge(c.checksDesc, float64(c.checkPass[i].Load())/float64(all), name)
		}
	}
	c.series.Range(func(_, v any) bool {
		s := v.(*statusSeries)
		if total := s.total.Load(); total > 0 {
			gauge(c.failedDesc, float64(s.failed.Load())/float64(total), s.labels...)
		}
		return true
	})
	gauge(c.maxDurDesc, time.Duration(c.maxDuration.Load()).Seconds())
	gauge(c.maxGapDesc, time.Duration(c.maxGap.Load()).Seconds())
	gauge(c.elapsedDesc, c.elapsed().Seconds())
}

// elapsed is the time since the run started, frozen once it has ended.
func (c *liveCollector) elapsed() time.Duration {
	start := c.startNanos.Load()
	if start == 0 {
		return 0
	}
	end := c.endNanos.Load()
	if end == 0 {
		end = c.clock.Now().UnixNano()
	}
	return time.Duration(end - start)
}

func (c *liveCollector) check(i int, pass bool) {
	c.checkAll[i].Add(1)
	if pass {
		c.checkPass[i].Add(1)
	}
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}
