package load

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ssebench/ssebench/internal/metricname"
)

// lengthServer sends its n-th stream n%7 content events (0: [DONE] alone) and leaves out
// [DONE] from every fifth, tallying the lengths of the streams it ended with [DONE].
type lengthServer struct {
	mu      sync.Mutex
	served  int
	lengths map[int]int // content events → streams ended with [DONE]
}

func (l *lengthServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	l.mu.Lock()
	n := l.served
	l.served++
	events, done := n%7, n%5 != 4
	if done {
		l.lengths[events]++
	}
	l.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	for i := range events {
		fmt.Fprintf(w, "data: {\"choices\":[{\"delta\":{\"content\":\"tok%d\"}}]}\n\n", i)
		w.(http.Flusher).Flush()
	}
	if done {
		fmt.Fprint(w, "data: [DONE]\n\n")
	}
	time.Sleep(time.Millisecond) // spares the machine
}

func TestStreamLengthHistogramHasEachStreamsEvents(t *testing.T) {
	ls := &lengthServer{lengths: map[int]int{}}
	srv := httptest.NewServer(ls)
	t.Cleanup(srv.Close)
	reg := prometheus.NewRegistry()
	sum, err := Run(context.Background(), Options{Target: srv.URL, TestID: "t", Server: "s", ScenarioName: "lengths",
		Scenario: ConstantVUs{VUs: 2, Duration: 150 * time.Millisecond, GracefulStop: 10 * time.Second}, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.served < 10 || sum.Incomplete == 0 || int64(ls.served) != sum.Requests {
		t.Fatalf("%d streams served, %d requests, %d incomplete: want at least 10, all read, some without [DONE]", ls.served, sum.Requests, sum.Incomplete)
	}
	t.Logf("%d streams served, %d without [DONE]; lengths of the others: %v", ls.served, sum.Incomplete, ls.lengths)
	h := streamLengthOf(t, reg)
	want := map[int]uint64{}
	var count uint64
	var total float64
	for n, streams := range ls.lengths {
		count += uint64(streams)
		total += float64(n * streams)
		if n > 0 {
			want[nativeKey(float64(n))] += uint64(streams)
		}
	}
	if h.GetSampleCount() != count || h.GetSampleSum() != total || h.GetZeroCount() != uint64(ls.lengths[0]) {
		t.Errorf("histogram: %d streams, %v events, %d of none; the server ended %d streams with [DONE], of %v events, %d of none",
			h.GetSampleCount(), h.GetSampleSum(), h.GetZeroCount(), count, total, ls.lengths[0])
	}
	if got := nativeBuckets(h); !maps.Equal(got, want) {
		t.Errorf("buckets %v, want %v (lengths %v)", got, want, ls.lengths)
	}
}

// streamLengthOf is the one ssebench_stream_length_events series in reg, checked for its labels.
func streamLengthOf(t *testing.T, reg *prometheus.Registry) *dto.Histogram {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != metricname.StreamLength {
			continue
		}
		if len(f.GetMetric()) != 1 {
			t.Fatalf("%d series of %s, want 1", len(f.GetMetric()), metricname.StreamLength)
		}
		m := f.GetMetric()[0]
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		if want := map[string]string{"testid": "t", "server": "s", "scenario": "lengths"}; !maps.Equal(labels, want) {
			t.Errorf("labels %v, want %v", labels, want)
		}
		if h := m.GetHistogram(); h.GetSchema() != nativeSchema || len(h.GetBucket()) != 0 {
			t.Errorf("schema %d with %d classic buckets, want native schema %d and none", h.GetSchema(), len(h.GetBucket()), nativeSchema)
		}
		return m.GetHistogram()
	}
	t.Fatalf("no %s after a run", metricname.StreamLength)
	return nil
}

// nativeBuckets decodes a native histogram's positive buckets: key → count.
func nativeBuckets(h *dto.Histogram) map[int]uint64 {
	out := map[int]uint64{}
	key, count, d := 0, int64(0), 0
	for _, span := range h.GetPositiveSpan() {
		key += int(span.GetOffset())
		for range span.GetLength() {
			count += h.GetPositiveDelta()[d]
			if d++; count > 0 {
				out[key] = uint64(count)
			}
			key++
		}
	}
	return out
}
