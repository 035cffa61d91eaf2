package remotewrite

import (
	"math"
	"slices"
	"strconv"
	"strings"

	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/prompb"
)

// staleNaN is Prometheus' staleness marker: a NaN with a payload that no
// arithmetic produces, so the receiver can tell "series ended" from a real NaN.
var staleNaN = math.Float64frombits(0x7ff0000000000002)

// batch is one write request waiting to be sent, with what it holds for accounting.
type batch struct {
	req        *writev2.Request
	v1         *prompb.WriteRequest // set instead of req for Remote-Write 1.0
	samples    int
	histograms int
}

func (b *batch) total() int64 { return int64(b.samples + b.histograms) }

type seriesKind uint8

const (
	kindFloat seriesKind = iota
	kindHistogram
)

// series is what the converter remembers of every series it ever emitted,
// so that Stop can end each one with a stale marker.
type series struct {
	labels   []string // name/value pairs, sorted by name, including __name__
	kind     seriesKind
	schema   int32
	metaType writev2.Metadata_MetricType
}

type labelPair struct{ name, value string }

// converter turns gathered metric families into Remote-Write 2.0 requests.
// It is not safe for concurrent use.
type converter struct {
	symbols writev2.SymbolsTable
	seen    map[string]*series
	pairs   []labelPair
	key     []byte
	req     *writev2.Request
	n       batch
}

func newConverter() *converter {
	return &converter{symbols: writev2.NewSymbolTable(), seen: map[string]*series{}}
}

// convert builds one request holding every sample of mfs at timestamp ts (ms).
func (c *converter) convert(mfs []*dto.MetricFamily, ts int64) *batch {
	c.begin(countSeries(mfs))
	for _, mf := range mfs {
		c.addFamily(mf, ts)
	}
	return c.finish()
}

// staleMarkers builds one request ending every series ever emitted, at ts (ms).
func (c *converter) staleMarkers(ts int64) *batch {
	c.begin(len(c.seen))
	keys := make([]string, 0, len(c.seen))
	for k := range c.seen {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic requests make failures reproducible
	for _, k := range keys {
		s := c.seen[k]
		t := c.newSeries(s.labels, s.metaType, "")
		if s.kind == kindHistogram {
			t.Histograms = []*writev2.Histogram{{
				Count:     &writev2.Histogram_CountInt{},
				ZeroCount: &writev2.Histogram_ZeroCountInt{},
				Sum:       staleNaN,
				Schema:    s.schema,
				Timestamp: ts,
			}}
			c.n.histograms++
		} else {
			t.Samples = []*writev2.Sample{{Value: staleNaN, Timestamp: ts}}
			c.n.samples++
		}
	}
	return c.finish()
}

func (c *converter) begin(seriesHint int) {
	c.symbols.Reset()
	c.req = &writev2.Request{Timeseries: make([]*writev2.TimeSeries, 0, seriesHint)}
	c.n = batch{}
}

func (c *converter) finish() *batch {
	c.req.Symbols = slices.Clone(c.symbols.Symbols())
	b := c.n
	b.req = c.req
	c.req = nil
	return &b
}

func countSeries(mfs []*dto.MetricFamily) int {
	n := 0
	for _, mf := range mfs {
		n += len(mf.GetMetric())
	}
	return n
}

func (c *converter) addFamily(mf *dto.MetricFamily, ts int64) {
	name, help := mf.GetName(), mf.GetHelp()
	for _, m := range mf.GetMetric() {
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			c.addFloat(name, m.GetLabel(), labelPair{}, m.GetCounter().GetValue(), writev2.Metadata_METRIC_TYPE_COUNTER, help, ts)
		case dto.MetricType_GAUGE:
			c.addFloat(name, m.GetLabel(), labelPair{}, m.GetGauge().GetValue(), writev2.Metadata_METRIC_TYPE_GAUGE, help, ts)
		case dto.MetricType_UNTYPED:
			c.addFloat(name, m.GetLabel(), labelPair{}, m.GetUntyped().GetValue(), writev2.Metadata_METRIC_TYPE_UNSPECIFIED, help, ts)
		case dto.MetricType_SUMMARY:
			c.addSummary(name, m, help, ts)
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			gauge := mf.GetType() == dto.MetricType_GAUGE_HISTOGRAM
			if isNative(m.GetHistogram()) {
				c.addNativeHistogram(name, m, gauge, help, ts)
			} else {
				c.addClassicHistogram(name, m, gauge, help, ts)
			}
		}
	}
}

func (c *converter) addSummary(name string, m *dto.Metric, help string, ts int64) {
	s := m.GetSummary()
	typ := writev2.Metadata_METRIC_TYPE_SUMMARY
	for _, q := range s.GetQuantile() {
		c.addFloat(name, m.GetLabel(), labelPair{"quantile", formatFloat(q.GetQuantile())}, q.GetValue(), typ, help, ts)
	}
	c.addFloat(name+"_sum", m.GetLabel(), labelPair{}, s.GetSampleSum(), typ, help, ts)
	c.addFloat(name+"_count", m.GetLabel(), labelPair{}, float64(s.GetSampleCount()), typ, help, ts)
}

func (c *converter) addClassicHistogram(name string, m *dto.Metric, gauge bool, help string, ts int64) {
	h := m.GetHistogram()
	typ := writev2.Metadata_METRIC_TYPE_HISTOGRAM
	if gauge {
		typ = writev2.Metadata_METRIC_TYPE_GAUGEHISTOGRAM
	}
	count := histogramCount(h)
	sawInf := false
	for _, b := range h.GetBucket() {
		sawInf = sawInf || math.IsInf(b.GetUpperBound(), +1)
		v := float64(b.GetCumulativeCount())
		if b.CumulativeCountFloat != nil {
			v = b.GetCumulativeCountFloat()
		}
		c.addFloat(name+"_bucket", m.GetLabel(), labelPair{"le", formatFloat(b.GetUpperBound())}, v, typ, help, ts)
	}
	if !sawInf { // the exposition formats imply +Inf; remote write needs it spelled out
		c.addFloat(name+"_bucket", m.GetLabel(), labelPair{"le", "+Inf"}, count, typ, help, ts)
	}
	c.addFloat(name+"_sum", m.GetLabel(), labelPair{}, h.GetSampleSum(), typ, help, ts)
	c.addFloat(name+"_count", m.GetLabel(), labelPair{}, count, typ, help, ts)
}

func histogramCount(h *dto.Histogram) float64 {
	if h.SampleCountFloat != nil {
		return h.GetSampleCountFloat()
	}
	return float64(h.GetSampleCount())
}

// isNative reports whether a histogram carries native (sparse) buckets; its
// classic buckets, if any, are then ignored.
func isNative(h *dto.Histogram) bool {
	return h.Schema != nil || h.ZeroThreshold != nil || len(h.GetPositiveSpan()) > 0 || len(h.GetNegativeSpan()) > 0
}

func (c *converter) addNativeHistogram(name string, m *dto.Metric, gauge bool, help string, ts int64) {
	h := m.GetHistogram()
	typ := writev2.Metadata_METRIC_TYPE_HISTOGRAM
	hint := writev2.Histogram_RESET_HINT_UNSPECIFIED
	if gauge {
		typ, hint = writev2.Metadata_METRIC_TYPE_GAUGEHISTOGRAM, writev2.Histogram_RESET_HINT_GAUGE
	}
	wh := &writev2.Histogram{
		Sum:           h.GetSampleSum(),
		Schema:        h.GetSchema(),
		ZeroThreshold: h.GetZeroThreshold(),
		NegativeSpans: convertSpans(h.GetNegativeSpan()),
		PositiveSpans: convertSpans(h.GetPositiveSpan()),
		ResetHint:     hint,
		Timestamp:     ts,
	}
	if h.SampleCountFloat != nil { // a float histogram, e.g. from a const histogram
		wh.Count = &writev2.Histogram_CountFloat{CountFloat: h.GetSampleCountFloat()}
		wh.ZeroCount = &writev2.Histogram_ZeroCountFloat{ZeroCountFloat: h.GetZeroCountFloat()}
		wh.NegativeCounts = h.GetNegativeCount()
		wh.PositiveCounts = h.GetPositiveCount()
	} else {
		wh.Count = &writev2.Histogram_CountInt{CountInt: h.GetSampleCount()}
		wh.ZeroCount = &writev2.Histogram_ZeroCountInt{ZeroCountInt: h.GetZeroCount()}
		wh.NegativeDeltas = h.GetNegativeDelta()
		wh.PositiveDeltas = h.GetPositiveDelta()
	}
	s, t := c.track(name, m.GetLabel(), labelPair{}, kindHistogram, typ, help)
	s.schema = wh.Schema
	t.Histograms = []*writev2.Histogram{wh}
	c.n.histograms++
}

func convertSpans(spans []*dto.BucketSpan) []*writev2.BucketSpan {
	if len(spans) == 0 {
		return nil
	}
	out := make([]*writev2.BucketSpan, len(spans))
	backing := make([]writev2.BucketSpan, len(spans))
	for i, s := range spans {
		backing[i].Offset, backing[i].Length = s.GetOffset(), s.GetLength()
		out[i] = &backing[i]
	}
	return out
}

func (c *converter) addFloat(name string, lbls []*dto.LabelPair, extra labelPair, v float64, typ writev2.Metadata_MetricType, help string, ts int64) {
	_, t := c.track(name, lbls, extra, kindFloat, typ, help)
	t.Samples = []*writev2.Sample{{Value: v, Timestamp: ts}}
	c.n.samples++
}

// track appends a time series for the given labels to the request and records
// the series for stale markers.
func (c *converter) track(name string, lbls []*dto.LabelPair, extra labelPair, kind seriesKind, typ writev2.Metadata_MetricType, help string) (*series, *writev2.TimeSeries) {
	c.sortedLabels(name, lbls, extra)
	c.key = c.key[:0]
	for _, p := range c.pairs {
		c.key = append(c.key, p.name...)
		c.key = append(c.key, 0xff)
		c.key = append(c.key, p.value...)
		c.key = append(c.key, 0xff)
	}
	s, ok := c.seen[string(c.key)] // no allocation: the compiler special-cases this lookup
	if !ok {
		flat := make([]string, 0, 2*len(c.pairs))
		for _, p := range c.pairs {
			flat = append(flat, p.name, p.value)
		}
		s = &series{labels: flat}
		c.seen[string(c.key)] = s
	}
	s.kind, s.metaType = kind, typ
	return s, c.newSeries(s.labels, typ, help)
}

func (c *converter) sortedLabels(name string, lbls []*dto.LabelPair, extra labelPair) {
	c.pairs = append(c.pairs[:0], labelPair{"__name__", name})
	for _, l := range lbls {
		c.pairs = append(c.pairs, labelPair{l.GetName(), l.GetValue()})
	}
	if extra.name != "" {
		c.pairs = append(c.pairs, extra)
	}
	slices.SortFunc(c.pairs, func(a, b labelPair) int { return strings.Compare(a.name, b.name) })
}

func (c *converter) newSeries(labels []string, typ writev2.Metadata_MetricType, help string) *writev2.TimeSeries {
	t := &writev2.TimeSeries{
		LabelsRefs: c.symbols.SymbolizeLabels(labels, make([]uint32, 0, len(labels))),
		Metadata:   &writev2.Metadata{Type: typ, HelpRef: c.symbols.Symbolize(help)},
	}
	c.req.Timeseries = append(c.req.Timeseries, t)
	return t
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, +1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
