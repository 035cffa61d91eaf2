package load

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/metricname"
)

// Outcomes of a slow reader's stream, the values of the outcome label.
const (
	OutcomeDone       = "done"       // [DONE] read
	OutcomeCut        = "cut"        // the server closed or reset the stream before [DONE]
	OutcomeFailed     = "failed"     // no stream: a connect error, or a status other than 200
	OutcomeUnfinished = "unfinished" // the scenario's time ended first
)

var slowOutcomes = []string{OutcomeDone, OutcomeCut, OutcomeFailed, OutcomeUnfinished}

// clientMetrics are the misbehaving clients' series (docs/metrics.md), with the labels of
// every other series of the run. Only the kinds of clients a run has are registered, so a run
// without them exposes what it always did.
type clientMetrics struct {
	cancels     prometheus.Counter
	slowReaders prometheus.Gauge
	slowStreams map[string]prometheus.Counter // by outcome
	cutAfter    *nativeSeries
}

func newClientMetrics(reg prometheus.Registerer, constLabels prometheus.Labels, c Clients) (*clientMetrics, error) {
	m := &clientMetrics{}
	var cs []prometheus.Collector
	if c.Cancel != nil {
		m.cancels = prometheus.NewCounter(prometheus.CounterOpts{Name: metricname.ClientCancels, ConstLabels: constLabels,
			Help: "Streams a cancelling client closed on purpose, at the moment its X-Stub-Cancel-At announced."})
		cs = append(cs, m.cancels)
	}
	if c.SlowReaders != nil {
		m.slowReaders = prometheus.NewGauge(prometheus.GaugeOpts{Name: metricname.SlowReaders, ConstLabels: constLabels,
			Help: "Slow readers with a stream open now."})
		streams := prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricname.SlowReaderStreams, ConstLabels: constLabels,
			Help: "Slow readers' streams by how they ended: done, cut, failed or unfinished."}, []string{"outcome"})
		m.slowStreams = map[string]prometheus.Counter{}
		for _, o := range slowOutcomes { // every outcome from the start: a counter's increase needs its 0
			m.slowStreams[o] = streams.WithLabelValues(o)
		}
		cutAfter := newNativeHistogram(metricname.SlowReaderCutAfter, "Request sent to the server's cutting a slow reader's stream.", constLabels)
		m.cutAfter = cutAfter.with()
		cs = append(cs, m.slowReaders, streams, cutAfter)
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
