package load

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/ssebench/ssebench/internal/stub"
)

// HeaderCancelAt tells the stub when a cancelling client will close its connection: the
// wall-clock moment in Unix nanoseconds, in decimal. The stub (internal/stub) names the same
// string; it times how long the close takes to reach it through the proxy.
const HeaderCancelAt = "X-Stub-Cancel-At"

// Clients are the misbehaving clients a scenario runs beside its well-behaved ones, an
// ssebench extension of k6's scenario format ("clients" in k6/scenarios.json; real k6 runs
// only the well-behaved ones). Run starts them as sidecars with connections of their own, so
// that the well-behaved clients' hot path stays as it is, and their traffic has series of its
// own (clients_metrics.go): every k6_* and ssebench_* series of the well-behaved clients
// stays theirs alone. The zero value is none.
type Clients struct {
	Cancel      *CancelClients // nil: none
	SlowReaders *SlowReaders   // nil: none
}

// CancelClients close their stream on purpose at a random moment of it: what a user who
// stops a generation does. Only with a ConstantArrivalRate scenario, whose rate is the total:
// Share of its arrivals are cancelling clients, the rest well-behaved ones.
type CancelClients struct {
	Share float64 // of the scenario's arrivals, in (0, 1)
}

// SlowReaders read their stream at a trickle from a small socket buffer, one stream after
// another for the scenario's duration: the server must hold what they have not read yet,
// push back on its upstream, or drop them.
type SlowReaders struct {
	Count          int // readers at once
	BytesPerSecond int // how fast each reads its socket; 0: DefaultSlowReaderBytesPerSecond
	ReceiveBuffer  int // SO_RCVBUF in bytes, set before connecting (Linux doubles it); 0: DefaultSlowReaderReceiveBuffer
	// Tokens and TokenSize are the slow readers' own stream, when not 0: larger than the
	// kernel's socket buffers on both sides of the proxy (Linux grows a loopback sender's to
	// 4 MiB), or a proxy that buffers in its own memory cannot be told from one that does not.
	Tokens, TokenSize int
	// InterTokenDelay is their stream's pace when Paced; unpaced, the scenario's. A stream
	// sent as fast as the proxy takes it fills a buffering proxy within the quickest run.
	InterTokenDelay time.Duration
	Paced           bool
}

// headers are the slow readers' requests' headers: the scenario's, with their own stream.
func (s SlowReaders) headers(h http.Header) http.Header {
	h = withUserAgent(h, userAgentSlowReader)
	if s.Tokens > 0 {
		h.Set(stub.HeaderTokens, strconv.Itoa(s.Tokens))
	}
	if s.TokenSize > 0 {
		h.Set(stub.HeaderTokenSize, strconv.Itoa(s.TokenSize))
	}
	if s.Paced {
		h.Set(stub.HeaderInterTokenDelay, s.InterTokenDelay.String())
	}
	return h
}

// Defaults of the slow readers' fields.
const (
	DefaultSlowReaderBytesPerSecond = 2048
	DefaultSlowReaderReceiveBuffer  = 4096
)

// Any says whether there is any misbehaving client.
func (c Clients) Any() bool { return c.Cancel != nil || c.SlowReaders != nil }

// withDefaults fills the fields left zero.
func (s SlowReaders) withDefaults() SlowReaders {
	if s.BytesPerSecond <= 0 {
		s.BytesPerSecond = DefaultSlowReaderBytesPerSecond
	}
	if s.ReceiveBuffer <= 0 {
		s.ReceiveBuffer = DefaultSlowReaderReceiveBuffer
	}
	return s
}

// check refuses clients that sc cannot run: a cancel share without an arrival rate to take it
// from, or one that leaves either side no arrival per time unit. path names the field in errors.
func (c Clients) check(sc Scenario, path string) error {
	if c.SlowReaders != nil && c.SlowReaders.Count < 1 {
		return fmt.Errorf("%s.slowReaders.count: must be at least 1, got %d", path, c.SlowReaders.Count)
	}
	if c.Cancel == nil {
		return nil
	}
	ar, ok := sc.(ConstantArrivalRate)
	if !ok {
		return fmt.Errorf("%s.cancel: only with the %s executor, not %s (its rate is the cancelling and well-behaved clients' total)",
			path, ExecConstantArrivalRate, executorName(sc))
	}
	share := c.Cancel.Share
	if !(share > 0 && share < 1) {
		return fmt.Errorf("%s.cancel.share: want a share between 0 and 1, both excluded, got %v", path, share)
	}
	if normal, cancel := splitCancelRate(ar.Rate, share); normal < 1 || cancel < 1 {
		return fmt.Errorf("%s.cancel.share: %v of rate %d leaves %d cancelling and %d well-behaved arrivals per %s: want at least 1 of each",
			path, share, ar.Rate, cancel, normal, ar.TimeUnit)
	}
	return nil
}

// splitCancelRate splits an arrival rate between the well-behaved and the cancelling clients,
// both whole (the executor's rate is a count per time unit), together the scenario's rate.
func splitCancelRate(rate int, share float64) (normal, cancel int) {
	cancel = int(math.Round(float64(rate) * share))
	return rate - cancel, cancel
}

// cancelBound is the most cancelling clients at once: their share of the scenario's VUs, as
// their rate is their share of its rate. A canceller due beyond it is dropped.
func cancelBound(maxVUs int, share float64) int {
	return max(1, int(math.Ceil(float64(maxVUs)*share)))
}

// wellBehaved is the scenario the well-behaved clients run: with cancelling clients, the
// rate they leave; else sc itself. c must have passed check against sc.
func (c Clients) wellBehaved(sc Scenario) Scenario {
	ar, ok := sc.(ConstantArrivalRate)
	if c.Cancel == nil || !ok {
		return sc
	}
	ar.Rate, _ = splitCancelRate(ar.Rate, c.Cancel.Share)
	return ar
}

// cancelPlan is what the cancelling clients of one instance run.
type cancelPlan struct {
	rate     int // per timeUnit, of the whole run; arrivals picks this instance's
	timeUnit time.Duration
	duration time.Duration // they start for this long after the run's start
	grace    time.Duration // and are interrupted this long after (the scenario's gracefulStop)
	bound    int           // at once, this instance
	arrivals arrivals      // this instance's share of their arrivals
}

// planCancel is the cancelling clients of sc (the whole scenario, before the split) that the
// instance running seg starts: split over segments as k6 splits an arrival rate.
func planCancel(c CancelClients, sc ConstantArrivalRate, seg *Segment) (cancelPlan, error) {
	_, rate := splitCancelRate(sc.Rate, c.Share)
	bound := cancelBound(sc.MaxVUCount(), c.Share)
	a, err := seg.arrivalsFor(bound)
	if err != nil {
		return cancelPlan{}, err
	}
	return cancelPlan{rate: rate, timeUnit: sc.TimeUnit, duration: sc.Duration, grace: sc.GracefulStop,
		bound: seg.Scale(bound), arrivals: a}, nil
}

// connections is the most connections the clients hold at once in the instance running seg:
// one per slow reader, one per cancelling client under its bound.
func (c Clients) connections(sc Scenario, seg *Segment) int {
	n := 0
	if c.SlowReaders != nil {
		n += seg.Scale(c.SlowReaders.Count)
	}
	if ar, ok := sc.(ConstantArrivalRate); ok && c.Cancel != nil {
		n += seg.Scale(cancelBound(ar.MaxVUCount(), c.Cancel.Share))
	}
	return n
}
