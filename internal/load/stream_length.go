package load

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/metricname"
)

// newStreamLengthHistogram is ssebench_stream_length_events: the content events of each
// stream that ended with [DONE], the answer's length as the client saw it. With answer
// lengths drawn from a distribution (a stream's "tokensDist") it shows the spread the proxy
// relayed. A count, not a duration, observed once per stream, so client_golang's own native
// histogram does (nativeHistogram counts nanoseconds for the per-event hot path); its bucket
// factor puts it at schema 5 like the others, without classic buckets.
func newStreamLengthHistogram(constLabels prometheus.Labels) prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:                           metricname.StreamLength,
		Help:                           "Content events of each stream that ended with [DONE] ([DONE] not counted).",
		ConstLabels:                    constLabels,
		NativeHistogramBucketFactor:    1.0219, // ≥ 2^(1/32): schema 5
		NativeHistogramZeroThreshold:   0.5,    // a stream of [DONE] alone: 0 events
		NativeHistogramMaxBucketNumber: 0,      // never coarsened mid-run
	})
}

// streamEnded records a stream's length once it is read: events counts every event, [DONE]
// included, and only a stream whose last event was [DONE] has a length to record.
func (c *collector) streamEnded(events int, done bool) {
	if done {
		c.m.streamLength.Observe(float64(events - 1))
	}
}
