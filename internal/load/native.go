package load

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// nativeHistogram is a duration histogram exposed as a Prometheus native histogram at schema 5,
// bucketed exactly as client_golang's would be (same bucket keys, same zero threshold), but
// observed with two atomic adds on a fixed array instead of client_golang's sync.Map lookup
// per observation, which was the largest single cost of recording an event. It is read at
// scrape time (MustNewConstNativeHistogram), like the other collectors here.
type nativeHistogram struct {
	desc *prometheus.Desc

	mu     sync.Mutex
	series []*nativeSeries
}

// nativeSchema5Bounds are client_golang's nativeHistogramBounds[5]: the lower bounds, as
// fractions of a power of two, of the 32 buckets in each power of two.
var nativeSchema5Bounds = [32]float64{
	0.5, 0.5109485743270583, 0.5221368912137069, 0.5335702003384117,
	0.5452538663326288, 0.5571933712979462, 0.5693943173783458, 0.5818624293887887,
	0.5946035575013605, 0.6076236799902344, 0.620928906036742, 0.6345254785958666,
	0.6484197773255048, 0.6626183215798706, 0.6771277734684463, 0.6919549409819159,
	0.7071067811865475, 0.7225904034885232, 0.7384130729697496, 0.7545822137967112,
	0.7711054127039704, 0.7879904225539431, 0.805245165974627, 0.8228777390769823,
	0.8408964152537144, 0.8593096490612387, 0.8781260801866495, 0.8973545375015533,
	0.9170040432046711, 0.9370838170551498, 0.9576032806985735, 0.9785720620876999,
}

// The bucket keys held in the array: from just below the 1 µs zero threshold (key -639 is
// the lowest above it) to 2^20 s. Keys outside, which no real duration reaches, go to a map.
const (
	nativeSchema = 5
	nativeMinKey = -640
	nativeMaxKey = 640
)

// nativeSeries is one labelled series of a nativeHistogram.
type nativeSeries struct {
	labelValues []string
	created     time.Time
	sumNanos    atomic.Int64 // exact; exposed in seconds
	zero        atomic.Uint64
	buckets     [nativeMaxKey - nativeMinKey + 1]atomic.Uint64

	mu                 sync.Mutex
	outside, negatives map[int]int64
}

func newNativeHistogram(name, help string, constLabels prometheus.Labels, labelNames ...string) *nativeHistogram {
	return &nativeHistogram{desc: prometheus.NewDesc(name, help, labelNames, constLabels)}
}

// with returns the series of labelValues, creating it on first use. Callers resolve a series
// once and keep it: this is not the hot path.
func (h *nativeHistogram) with(labelValues ...string) *nativeSeries {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.series {
		if equalStrings(s.labelValues, labelValues) {
			return s
		}
	}
	s := &nativeSeries{labelValues: append([]string(nil), labelValues...), created: time.Now()}
	h.series = append(h.series, s)
	return s
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (h *nativeHistogram) Describe(ch chan<- *prometheus.Desc) { ch <- h.desc }

func (h *nativeHistogram) Collect(ch chan<- prometheus.Metric) {
	h.mu.Lock()
	series := append([]*nativeSeries(nil), h.series...)
	h.mu.Unlock()
	for _, s := range series {
		ch <- s.metric(h.desc)
	}
}

// Observe records one duration, as client_golang's Observe(d.Seconds()) would.
func (s *nativeSeries) Observe(d time.Duration) {
	v := d.Seconds()
	switch {
	case v > nativeZeroThreshold:
		if k := nativeKey(v); k >= nativeMinKey && k <= nativeMaxKey {
			s.buckets[k-nativeMinKey].Add(1)
		} else {
			s.addSlow(&s.outside, k)
		}
	case v < -nativeZeroThreshold:
		s.addSlow(&s.negatives, nativeKey(-v))
	default:
		s.zero.Add(1)
	}
	s.sumNanos.Add(int64(d))
}

func (s *nativeSeries) addSlow(m *map[int]int64, key int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *m == nil {
		*m = map[int]int64{}
	}
	(*m)[key]++
}

// nativeKey is client_golang's bucket key of a positive finite v at schema 5: the bucket
// (lower bound exclusive, upper bound inclusive) among 32 per power of two.
func nativeKey(v float64) int {
	frac, exp := math.Frexp(v)
	lo, hi := 0, len(nativeSchema5Bounds) // smallest i with bounds[i] >= frac, as sort.SearchFloat64s
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if nativeSchema5Bounds[mid] < frac {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo + (exp-1)*len(nativeSchema5Bounds)
}

// metric is a snapshot. The count is the sum of the buckets read, so that it always agrees
// with them; an observation landing during the read may show in the sum a scrape early.
func (s *nativeSeries) metric(desc *prometheus.Desc) prometheus.Metric {
	positive := map[int]int64{}
	var count uint64
	for i := range s.buckets {
		if n := s.buckets[i].Load(); n > 0 {
			positive[i+nativeMinKey] = int64(n)
			count += n
		}
	}
	var negative map[int]int64
	s.mu.Lock()
	for k, n := range s.outside {
		positive[k] += n
		count += uint64(n)
	}
	if len(s.negatives) > 0 {
		negative = make(map[int]int64, len(s.negatives))
		for k, n := range s.negatives {
			negative[k] = n
			count += uint64(n)
		}
	}
	s.mu.Unlock()
	zero := s.zero.Load()
	count += zero
	sum := time.Duration(s.sumNanos.Load()).Seconds()
	return prometheus.MustNewConstNativeHistogram(desc, count, sum, positive, negative, zero,
		nativeSchema, nativeZeroThreshold, s.created, s.labelValues...)
}
