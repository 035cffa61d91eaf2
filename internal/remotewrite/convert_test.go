package remotewrite

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

func labelsOf(req *writev2.Request, ts *writev2.TimeSeries) string {
	l := writev2.DesymbolizeLabels(ts.LabelsRefs, req.Symbols, nil)
	var b strings.Builder
	for i := 0; i < len(l); i += 2 {
		fmt.Fprintf(&b, "%s=%s,", l[i], l[i+1])
	}
	return strings.TrimSuffix(b.String(), ",")
}

func seriesByLabels(req *writev2.Request) map[string]*writev2.TimeSeries {
	m := map[string]*writev2.TimeSeries{}
	for _, ts := range req.Timeseries {
		m[labelsOf(req, ts)] = ts
	}
	return m
}

func gather(t testing.TB, reg *prometheus.Registry) []*dto.MetricFamily {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

func TestConvertFloatsSummariesAndClassicHistograms(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c_total", Help: "C."}, []string{"zone", "Alpha"})
	c.WithLabelValues("z1", "a").Add(3)
	s := prometheus.NewSummary(prometheus.SummaryOpts{Name: "s_seconds", Help: "S.", Objectives: map[float64]float64{0.5: 0.01}})
	s.Observe(2)
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h_seconds", Help: "H.", Buckets: []float64{1, 5}})
	h.Observe(3)
	reg.MustRegister(c, s, h)

	b := newConverter().convert(gather(t, reg), 1234)
	got := seriesByLabels(b.req)
	want := map[string]float64{
		"Alpha=a,__name__=c_total,zone=z1":  3, // label names sorted, uppercase first
		"__name__=s_seconds,quantile=0.5":   2,
		"__name__=s_seconds_sum":            2,
		"__name__=s_seconds_count":          1,
		"__name__=h_seconds_bucket,le=1":    0,
		"__name__=h_seconds_bucket,le=5":    1,
		"__name__=h_seconds_bucket,le=+Inf": 1,
		"__name__=h_seconds_sum":            3,
		"__name__=h_seconds_count":          1,
	}
	if len(got) != len(want) || b.samples != len(want) || b.histograms != 0 {
		t.Fatalf("series %v (%d samples), want %d", slices.Sorted(maps.Keys(got)), b.samples, len(want))
	}
	for k, v := range want {
		ts, ok := got[k]
		if !ok {
			t.Errorf("missing series %s", k)
			continue
		}
		if len(ts.Samples) != 1 || ts.Samples[0].Value != v || ts.Samples[0].Timestamp != 1234 {
			t.Errorf("%s: samples %v, want %v at 1234", k, ts.Samples, v)
		}
	}
	if md := got["Alpha=a,__name__=c_total,zone=z1"].Metadata; md.Type != writev2.Metadata_METRIC_TYPE_COUNTER || b.req.Symbols[md.HelpRef] != "C." {
		t.Errorf("counter metadata = %v", md)
	}
	if b.req.Symbols[0] != "" {
		t.Errorf("symbol 0 = %q, Remote-Write 2.0 requires the empty string", b.req.Symbols[0])
	}
}

func TestConvertNativeHistogramKeepsBucketsExactly(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "d_seconds", Help: "D.", NativeHistogramBucketFactor: schema5Factor,
		Buckets: prometheus.DefBuckets, // must be ignored in favour of the native part
	})
	for _, v := range []float64{0, 0.01, 0.011, 0.5, 0.5, 2, 30} {
		h.Observe(v)
	}
	reg.MustRegister(h)
	mfs := gather(t, reg)
	src := mfs[0].Metric[0].Histogram

	b := newConverter().convert(mfs, 99)
	if len(b.req.Timeseries) != 1 || b.histograms != 1 || b.samples != 0 {
		t.Fatalf("%d series, %d histograms, %d samples; want one native histogram only", len(b.req.Timeseries), b.histograms, b.samples)
	}
	wh := b.req.Timeseries[0].Histograms[0]
	if wh.Schema != 5 || src.GetSchema() != 5 {
		t.Fatalf("schema %d (source %d), want 5", wh.Schema, src.GetSchema())
	}
	if wh.GetCountInt() != 7 || wh.Sum != src.GetSampleSum() || wh.GetZeroCountInt() != 1 ||
		wh.ZeroThreshold != src.GetZeroThreshold() || wh.Timestamp != 99 {
		t.Errorf("histogram header = count %d sum %v zero %d/%v ts %d", wh.GetCountInt(), wh.Sum, wh.GetZeroCountInt(), wh.ZeroThreshold, wh.Timestamp)
	}
	if !slices.Equal(wh.PositiveDeltas, src.GetPositiveDelta()) || len(wh.PositiveSpans) != len(src.GetPositiveSpan()) {
		t.Fatalf("positive buckets differ: %v vs %v", wh.PositiveDeltas, src.GetPositiveDelta())
	}
	for i, sp := range src.GetPositiveSpan() {
		if wh.PositiveSpans[i].Offset != sp.GetOffset() || wh.PositiveSpans[i].Length != sp.GetLength() {
			t.Errorf("span %d = %v, want %v", i, wh.PositiveSpans[i], sp)
		}
	}
	if md := b.req.Timeseries[0].Metadata; md.Type != writev2.Metadata_METRIC_TYPE_HISTOGRAM {
		t.Errorf("metadata type = %v", md.Type)
	}
}

func TestConvertFloatNativeHistogram(t *testing.T) {
	schema, zero := int32(3), 1e-9
	mf := &dto.MetricFamily{
		Name: proto.String("f_seconds"), Type: dto.MetricType_GAUGE_HISTOGRAM.Enum(),
		Metric: []*dto.Metric{{Histogram: &dto.Histogram{
			SampleCountFloat: proto.Float64(2.5), SampleSum: proto.Float64(4), Schema: &schema,
			ZeroThreshold: &zero, ZeroCountFloat: proto.Float64(0.5),
			PositiveSpan: []*dto.BucketSpan{{Offset: proto.Int32(1), Length: proto.Uint32(2)}}, PositiveCount: []float64{1, 1},
		}}},
	}
	wh := newConverter().convert([]*dto.MetricFamily{mf}, 1).req.Timeseries[0].Histograms[0]
	if wh.GetCountFloat() != 2.5 || wh.GetZeroCountFloat() != 0.5 || !slices.Equal(wh.PositiveCounts, []float64{1, 1}) ||
		wh.ResetHint != writev2.Histogram_RESET_HINT_GAUGE || wh.Schema != 3 {
		t.Errorf("float gauge histogram converted to %v", wh)
	}
}

func TestStaleMarkersEndEverySeriesEverSeen(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "g", Help: "G."}, []string{"k"})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "n_seconds", Help: "N.", NativeHistogramBucketFactor: 1.1})
	reg.MustRegister(g, h)
	h.Observe(1)
	g.WithLabelValues("gone").Set(1)
	conv := newConverter()
	conv.convert(gather(t, reg), 10)
	g.DeleteLabelValues("gone") // disappeared before the end: still needs its stale marker
	g.WithLabelValues("late").Set(2)
	conv.convert(gather(t, reg), 20)

	b := conv.staleMarkers(21)
	got := seriesByLabels(b.req)
	if len(got) != 3 || b.samples != 2 || b.histograms != 1 {
		t.Fatalf("stale markers for %v (%d samples, %d histograms)", slices.Sorted(maps.Keys(got)), b.samples, b.histograms)
	}
	for _, k := range []string{"__name__=g,k=gone", "__name__=g,k=late"} {
		if s := got[k].Samples; len(s) != 1 || !isStale(s[0].Value) || s[0].Timestamp != 21 {
			t.Errorf("%s: %v, want a stale NaN at 21", k, s)
		}
	}
	nh := got["__name__=n_seconds"].Histograms
	if len(nh) != 1 || !isStale(nh[0].Sum) || nh[0].Timestamp != 21 || nh[0].Schema != 3 {
		t.Errorf("histogram stale marker = %v, want stale-NaN sum, schema 3, at 21", nh)
	}
}

// realisticGather is what `ssebench load` gathers mid-run: 8 native histograms
// with 10 label sets each, filled with latencies, plus counters and gauges.
func realisticGather(b testing.TB) []*dto.MetricFamily {
	reg := prometheus.NewRegistry()
	labels := []string{"testid", "server", "scenario", "status", "method", "name", "expected_response"}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 8 {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: fmt.Sprintf("k6_bench_%d_seconds", i), Help: "Bench histogram.", NativeHistogramBucketFactor: schema5Factor,
		}, labels)
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: fmt.Sprintf("k6_bench_%d_total", i), Help: "Bench counter."}, labels)
		reg.MustRegister(h, c)
		for j := range 10 {
			lv := []string{"run-1", fmt.Sprintf("server-%d", j), "stress", "200", "POST", "http://127.0.0.1/v1/chat/completions", "true"}
			for range 2000 {
				h.WithLabelValues(lv...).Observe(math.Exp(rng.NormFloat64()*0.6 - 1))
			}
			c.WithLabelValues(lv...).Add(2000)
		}
	}
	vus := prometheus.NewGauge(prometheus.GaugeOpts{Name: "k6_vus", Help: "VUs."})
	reg.MustRegister(vus)
	return gather(b, reg)
}

func BenchmarkConvertRealisticGather(b *testing.B) {
	mfs := realisticGather(b)
	conv := newConverter()
	conv.convert(mfs, 1) // the steady state: every series already known
	var buckets int
	for _, ts := range conv.convert(mfs, 2).req.Timeseries {
		for _, h := range ts.Histograms {
			buckets += len(h.PositiveDeltas)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for i := 0; b.Loop(); i++ {
		req := conv.convert(mfs, int64(i+3)).req
		size = req.SizeVT()
	}
	b.ReportMetric(float64(size), "proto-bytes")
	b.ReportMetric(float64(buckets)/80, "buckets/histogram")
}
