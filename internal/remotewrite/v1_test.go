package remotewrite

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/prompb"
)

// v1Receiver is an httptest endpoint that keeps every Remote-Write 1.0 request it gets.
type v1Receiver struct {
	t       *testing.T
	mu      sync.Mutex
	reqs    []*prompb.WriteRequest
	headers []http.Header
}

func (rc *v1Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		rc.t.Errorf("body is not snappy: %v", err)
	}
	var req prompb.WriteRequest
	if err := req.Unmarshal(raw); err != nil {
		rc.t.Errorf("body is not a prometheus.WriteRequest: %v", err)
	}
	rc.mu.Lock()
	rc.reqs, rc.headers = append(rc.reqs, &req), append(rc.headers, r.Header.Clone())
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent) // 1.0 receivers confirm nothing: 2xx is success
}

func TestV1SendsPrompbWithTheSpecsHeaders(t *testing.T) {
	rc := &v1Receiver{t: t}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "rwtest_events_total", Help: "Events.", ConstLabels: prometheus.Labels{"b": "2", "a": "1"}})
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rwtest_seconds", Help: "D.", NativeHistogramBucketFactor: schema5Factor})
	reg.MustRegister(c, h)
	c.Add(5)
	for _, v := range []float64{0, 0.01, 0.011, 0.5, 0.5, 2, 30} {
		h.Observe(v)
	}
	src := gather(t, reg)[1].Metric[0].Histogram // families come sorted: rwtest_events_total, rwtest_seconds

	p, err := New(Config{URL: srv.URL, Interval: time.Hour, UserAgent: "ssebench/test", Protocol: ProtocolV1}, reg)
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	stats, err := stopWithin(t, p, time.Minute)
	if err != nil || stats.SamplesSent != 3 || stats.HistogramsSent != 3 {
		t.Fatalf("stats %+v, %v; want 3 samples and 3 histograms sent (gathers at Start and Stop, stale markers)", stats, err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, hd := range rc.headers {
		if hd.Get("Content-Encoding") != "snappy" || hd.Get("Content-Type") != "application/x-protobuf" ||
			hd.Get("X-Prometheus-Remote-Write-Version") != "0.1.0" || hd.Get("User-Agent") != "ssebench/test" {
			t.Errorf("headers %v; want Remote-Write 1.0's", hd)
		}
	}
	if len(rc.reqs) != 3 {
		t.Fatalf("%d requests, want 3: gathers at Start and Stop, stale markers", len(rc.reqs))
	}
	first := rc.reqs[0]
	counter, hist := first.Timeseries[0], first.Timeseries[1]
	if got := labelString(counter.Labels); got != "__name__=rwtest_events_total,a=1,b=2" || counter.Samples[0].Value != 5 {
		t.Errorf("counter %s = %v; want sorted labels and 5", got, counter.Samples)
	}
	wh := hist.Histograms[0]
	if wh.Schema != 5 || wh.GetCountInt() != 7 || wh.GetZeroCountInt() != 1 || wh.Sum != src.GetSampleSum() ||
		!slices.Equal(wh.PositiveDeltas, src.GetPositiveDelta()) || len(wh.PositiveSpans) != len(src.GetPositiveSpan()) {
		t.Errorf("native histogram %+v; want the source's %+v exactly", wh, src)
	}
	for i, sp := range src.GetPositiveSpan() {
		if wh.PositiveSpans[i].Offset != sp.GetOffset() || wh.PositiveSpans[i].Length != sp.GetLength() {
			t.Errorf("span %d = %v, want %v", i, wh.PositiveSpans[i], sp)
		}
	}
	last := rc.reqs[2]
	if !isStale(last.Timeseries[0].Samples[0].Value) || !isStale(last.Timeseries[1].Histograms[0].Sum) {
		t.Errorf("last request %+v; want stale markers for both series", last)
	}
}

func TestNewRejectsAnUnknownProtocol(t *testing.T) {
	reg, _ := twoSeries()
	if _, err := New(Config{URL: "http://h/x", Protocol: "1.1"}, reg); err == nil || !strings.Contains(err.Error(), `Protocol "1.1": want "1.0" or "2.0"`) {
		t.Fatalf("New with protocol 1.1: %v", err)
	}
}

func labelString(ls []prompb.Label) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.Name + "=" + l.Value
	}
	return strings.Join(parts, ",")
}
