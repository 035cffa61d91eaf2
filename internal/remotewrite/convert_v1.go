package remotewrite

import (
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"github.com/prometheus/prometheus/prompb"
)

// toV1 rewrites a Remote-Write 2.0 request as the 1.0 prometheus.WriteRequest the same samples
// make: labels spelled out instead of symbol references, native histograms field for field
// (1.0 carries them since Prometheus 2.40). Per-series metadata (type, help) has no place in
// 1.0's time series and is left out, as k6 and Prometheus' own 1.0 sender leave it out of
// sample requests; Prometheus' 1.0 receiver ignores WriteRequest.Metadata anyway.
func toV1(req *writev2.Request) *prompb.WriteRequest {
	out := &prompb.WriteRequest{Timeseries: make([]prompb.TimeSeries, len(req.Timeseries))}
	for i, ts := range req.Timeseries {
		t := &out.Timeseries[i]
		t.Labels = make([]prompb.Label, len(ts.LabelsRefs)/2)
		for j := range t.Labels {
			t.Labels[j] = prompb.Label{Name: req.Symbols[ts.LabelsRefs[2*j]], Value: req.Symbols[ts.LabelsRefs[2*j+1]]}
		}
		if len(ts.Samples) > 0 {
			t.Samples = make([]prompb.Sample, len(ts.Samples))
			for j, s := range ts.Samples {
				t.Samples[j] = prompb.Sample{Value: s.Value, Timestamp: s.Timestamp}
			}
		}
		if len(ts.Histograms) > 0 {
			t.Histograms = make([]prompb.Histogram, len(ts.Histograms))
			for j, h := range ts.Histograms {
				t.Histograms[j] = histogramV1(h)
			}
		}
	}
	return out
}

func histogramV1(h *writev2.Histogram) prompb.Histogram {
	out := prompb.Histogram{
		Sum:            h.Sum,
		Schema:         h.Schema,
		ZeroThreshold:  h.ZeroThreshold,
		NegativeSpans:  spansV1(h.NegativeSpans),
		NegativeDeltas: h.NegativeDeltas,
		NegativeCounts: h.NegativeCounts,
		PositiveSpans:  spansV1(h.PositiveSpans),
		PositiveDeltas: h.PositiveDeltas,
		PositiveCounts: h.PositiveCounts,
		ResetHint:      prompb.Histogram_ResetHint(h.ResetHint), // UNKNOWN/UNSPECIFIED, YES, NO, GAUGE: the same numbers
		Timestamp:      h.Timestamp,
	}
	switch c := h.Count.(type) {
	case *writev2.Histogram_CountInt:
		out.Count = &prompb.Histogram_CountInt{CountInt: c.CountInt}
	case *writev2.Histogram_CountFloat:
		out.Count = &prompb.Histogram_CountFloat{CountFloat: c.CountFloat}
	}
	switch z := h.ZeroCount.(type) {
	case *writev2.Histogram_ZeroCountInt:
		out.ZeroCount = &prompb.Histogram_ZeroCountInt{ZeroCountInt: z.ZeroCountInt}
	case *writev2.Histogram_ZeroCountFloat:
		out.ZeroCount = &prompb.Histogram_ZeroCountFloat{ZeroCountFloat: z.ZeroCountFloat}
	}
	return out
}

func spansV1(spans []*writev2.BucketSpan) []prompb.BucketSpan {
	if len(spans) == 0 {
		return nil
	}
	out := make([]prompb.BucketSpan, len(spans))
	for i, s := range spans {
		out[i] = prompb.BucketSpan{Offset: s.Offset, Length: s.Length}
	}
	return out
}
