package load

import (
	"encoding/json"
	"math"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// trend accumulates one duration metric for the end-of-run summary. Count, sum (hence avg),
// min and max are exact; the quantiles come from an HdrHistogram with 3 significant digits
// (±0.1 %), because keeping every sample would grow without bound — a stress run records
// millions of event gaps — while the histogram stays at a fixed ~200 KB.
type trend struct {
	mu       sync.Mutex
	hist     *hdrhistogram.Histogram // microseconds
	count    int64
	sum      time.Duration
	min, max time.Duration
}

// trendMax is the largest value the histogram tracks; larger ones are clamped there (the
// exact max is kept apart).
const trendMax = time.Hour

func newTrend() *trend {
	return &trend{hist: hdrhistogram.New(1, int64(trendMax/time.Microsecond), 3)}
}

func (t *trend) record(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.recordLocked(d)
}

// recordAll records a batch under one lock.
func (t *trend) recordAll(ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range ds {
		t.recordLocked(d)
	}
}

func (t *trend) recordLocked(d time.Duration) {
	d = max(d, 0)
	us := min(int64(d/time.Microsecond), int64(trendMax/time.Microsecond))
	_ = t.hist.RecordValue(us) // in range by construction
	if t.count == 0 || d < t.min {
		t.min = d
	}
	t.max = max(t.max, d)
	t.count++
	t.sum += d
}

func (t *trend) summary() TrendSummary {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.count == 0 {
		return TrendSummary{}
	}
	q := func(p float64) time.Duration {
		v := time.Duration(t.hist.ValueAtPercentile(p)) * time.Microsecond
		return min(max(v, t.min), t.max) // the bucket's top may overshoot the exact extremes
	}
	return TrendSummary{Count: t.count, Avg: t.sum / time.Duration(t.count), Min: t.min,
		Med: q(50), P90: q(90), P95: q(95), P99: q(99), Max: t.max}
}

// TrendSummary is one duration metric of the summary, as k6 prints it.
type TrendSummary struct {
	Count                             int64
	Avg, Min, Med, P90, P95, P99, Max time.Duration
}

// MarshalJSON writes the durations as milliseconds with explicit names.
func (s TrendSummary) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return json.Marshal(map[string]any{"count": s.Count, "avg_ms": ms(s.Avg), "min_ms": ms(s.Min),
		"med_ms": ms(s.Med), "p90_ms": ms(s.P90), "p95_ms": ms(s.P95), "p99_ms": ms(s.P99), "max_ms": ms(s.Max)})
}
