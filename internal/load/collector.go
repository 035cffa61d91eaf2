package load

import (
	"sync/atomic"
	"time"
)

// collector records every observation twice: into the Prometheus metrics (what Prometheus
// will compute the results from) and into the in-process summary (what cross-checks them).
// Everything here is safe for hundreds of concurrent VUs: atomics, lock-free Prometheus
// observers, and one short mutex per summary trend.
type collector struct {
	m   *metrics
	slo SLO // what a stream must meet to count in goodput: Options.SLO, or DefaultSLO

	reqDuration, reqWaiting, ttft, gap, iterDuration *trend

	requests, failedReqs, failedIters atomic.Int64
	iterations, interrupted, dropped  atomic.Int64
	bytesReceived, bytesSent          atomic.Int64
	events, incomplete, goodput       atomic.Int64
	maxVUsSeen                        atomic.Int64
	firstError                        atomic.Pointer[string] // the first failed request's error, for the summary
}

func newCollector(m *metrics) *collector {
	return &collector{m: m, slo: DefaultSLO, reqDuration: newTrend(), reqWaiting: newTrend(), ttft: newTrend(), gap: newTrend(),
		iterDuration: newTrend()}
}

// requestResult is what one iteration's request observed.
type requestResult struct {
	status     int // 0 when no response arrived
	failed     bool
	statusOK   bool
	done       bool  // last event was [DONE]
	err        error // why the request failed, when it did by an error (not by its status or a missing [DONE])
	duration   time.Duration
	waiting    time.Duration
	hasWaiting bool
	firstEvent time.Duration // request sent → first event; with maxGap, what the SLO judges
	maxGap     time.Duration // the largest gap between two events of the stream
}

func (c *collector) request(r requestResult) {
	s := c.m.forStatus(r.status)
	s.reqs.Inc()
	s.total.Add(1)
	s.duration.Observe(r.duration)
	c.reqDuration.record(r.duration)
	storeMax(&c.m.live.maxDuration, int64(r.duration))
	if r.hasWaiting {
		s.waiting.Observe(r.waiting)
		c.reqWaiting.record(r.waiting)
	}
	c.m.live.check(0, r.statusOK)
	c.m.live.check(1, r.done)
	if r.status == 200 && !r.done {
		c.m.incomplete.Inc()
		c.incomplete.Add(1)
	}
	c.requests.Add(1)
	if r.failed && r.err != nil && c.firstError.Load() == nil {
		msg := r.err.Error()
		c.firstError.CompareAndSwap(nil, &msg)
	}
	if !r.failed && c.slo.met(r.firstEvent, r.maxGap) { // not failed: 200, [DONE], no error
		c.m.goodput.Inc()
		c.goodput.Add(1)
	}
	if r.failed {
		s.failed.Add(1)
		c.failedReqs.Add(1)
		c.m.failedIters.Inc()
		c.failedIters.Add(1)
	}
}

func (c *collector) firstToken(d time.Duration) {
	c.m.ttft.Observe(d)
	c.ttft.record(d)
}

// eventGapLive records a gap where it is read live (Prometheus, the exact maximum); the
// summary trend gets it later, batched by the stream (trend.recordAll).
func (c *collector) eventGapLive(d time.Duration) {
	c.m.gap.Observe(d)
	storeMax(&c.m.live.maxGap, int64(d))
}

func (c *collector) eventsSeen(n int) {
	c.m.events.Add(float64(n))
	c.events.Add(int64(n))
}

func (c *collector) received(n int) {
	c.m.dataReceived.Add(float64(n))
	c.bytesReceived.Add(int64(n))
}

func (c *collector) sent(n int) {
	c.m.dataSent.Add(float64(n))
	c.bytesSent.Add(int64(n))
}

// iterationDone counts completed iterations only, as k6 does: an interrupted one is neither
// an iteration nor a request.
func (c *collector) iterationDone(scheduled, end time.Time, completed bool) {
	if !completed {
		c.interrupted.Add(1)
		return
	}
	d := end.Sub(scheduled)
	c.m.iterations.Inc()
	c.m.iterDuration.Observe(d)
	c.iterations.Add(1)
	c.iterDuration.record(d)
}

func (c *collector) iterationDropped() {
	c.m.dropped.Inc()
	c.dropped.Add(1)
}

func (c *collector) setVUs(active, allocated int) {
	c.m.live.vus.Store(int64(active))
	c.m.live.vusMax.Store(int64(allocated))
	storeMax(&c.maxVUsSeen, int64(active))
}
