package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// nativeTestDurations cover every path: zero, below and at the zero threshold, bucket bounds
// exactly, the array's edges, beyond them, negative, and a random spread from ns to hours.
func nativeTestDurations() []time.Duration {
	ds := []time.Duration{0, 1, 999, time.Microsecond, time.Microsecond + 1, time.Millisecond, time.Second,
		-time.Millisecond, -1, 2 * time.Second, time.Hour, 300 * time.Hour, 1 << 62}
	for _, b := range nativeSchema5Bounds {
		ds = append(ds, time.Duration(b*2*float64(time.Second))) // on and around each bound of [1 s, 2 s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		ds = append(ds, time.Duration(math.Exp(r.Float64()*math.Log(4e12)))) // log-uniform from 1 ns to ~67 min
	}
	return ds
}

// TestNativeHistogramMatchesClientGolang feeds the same durations to a client_golang native
// histogram (factor 1.0219, zero threshold 1 µs: what the metrics used to be) and to ours:
// the exposed histograms must agree bucket for bucket.
func TestNativeHistogramMatchesClientGolang(t *testing.T) {
	ref := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "x_seconds", Help: "h",
		NativeHistogramBucketFactor: 1.0219, NativeHistogramZeroThreshold: nativeZeroThreshold})
	ours := newNativeHistogram("x_seconds", "h", nil)
	s := ours.with()
	for _, d := range nativeTestDurations() {
		ref.Observe(d.Seconds())
		s.Observe(d)
	}
	want, got := written(t, ref), collectedOne(t, ours)
	if got.GetSchema() != want.GetSchema() || got.GetZeroThreshold() != want.GetZeroThreshold() {
		t.Fatalf("schema %d zero threshold %v, want %d and %v", got.GetSchema(), got.GetZeroThreshold(), want.GetSchema(), want.GetZeroThreshold())
	}
	if got.GetSampleCount() != want.GetSampleCount() || got.GetZeroCount() != want.GetZeroCount() {
		t.Fatalf("count %d zero count %d, want %d and %d", got.GetSampleCount(), got.GetZeroCount(), want.GetSampleCount(), want.GetZeroCount())
	}
	if rel := math.Abs(got.GetSampleSum()-want.GetSampleSum()) / math.Abs(want.GetSampleSum()); rel > 1e-12 {
		t.Fatalf("sum %v, want %v", got.GetSampleSum(), want.GetSampleSum())
	}
	for _, side := range []struct {
		name       string
		got, want  map[int]int64
		positivity bool
	}{
		{"positive", buckets(got.GetPositiveSpan(), got.GetPositiveDelta()), buckets(want.GetPositiveSpan(), want.GetPositiveDelta()), true},
		{"negative", buckets(got.GetNegativeSpan(), got.GetNegativeDelta()), buckets(want.GetNegativeSpan(), want.GetNegativeDelta()), false},
	} {
		if len(side.want) == 0 {
			t.Fatalf("%s: the reference has no buckets; the test data misses a path", side.name)
		}
		for k, n := range side.want {
			if side.got[k] != n {
				t.Errorf("%s bucket %d: %d, want %d", side.name, k, side.got[k], n)
			}
		}
		if len(side.got) != len(side.want) {
			t.Errorf("%s: %d buckets, want %d", side.name, len(side.got), len(side.want))
		}
	}
}

func TestNativeHistogramSeriesAndConcurrency(t *testing.T) {
	h := newNativeHistogram("y_seconds", "h", prometheus.Labels{"testid": "t"}, "status")
	if h.with("200") != h.with("200") || h.with("200") == h.with("500") {
		t.Fatal("with does not return one series per label set")
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			s := h.with("200")
			for i := range 1000 {
				s.Observe(time.Duration(g*1000+i) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	reg := prometheus.NewRegistry()
	reg.MustRegister(h)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint64{}
	for _, m := range fams[0].GetMetric() {
		counts[labelValue(m, "status")] = m.GetHistogram().GetSampleCount()
		if labelValue(m, "testid") != "t" {
			t.Errorf("series %v lost its constant label", m.GetLabel())
		}
	}
	if counts["200"] != 8000 || counts["500"] != 0 || len(counts) != 2 {
		t.Fatalf("sample counts by status %v, want 200: 8000 and 500: 0", counts)
	}
}

func BenchmarkNativeObserve(b *testing.B) {
	ref := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "x_seconds", Help: "h",
		NativeHistogramBucketFactor: 1.0219, NativeHistogramZeroThreshold: nativeZeroThreshold})
	ours := newNativeHistogram("x_seconds", "h", nil).with()
	b.Run("client_golang", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for d := time.Duration(0); pb.Next(); d += 997 {
				ref.Observe((d % time.Second).Seconds())
			}
		})
	})
	b.Run("ours", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for d := time.Duration(0); pb.Next(); d += 997 {
				ours.Observe(d % time.Second)
			}
		})
	})
}

func written(t *testing.T, m prometheus.Metric) *dto.Histogram {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetHistogram()
}

func collectedOne(t *testing.T, c prometheus.Collector) *dto.Histogram {
	t.Helper()
	ch := make(chan prometheus.Metric, 4)
	c.Collect(ch)
	close(ch)
	var all []prometheus.Metric
	for m := range ch {
		all = append(all, m)
	}
	if len(all) != 1 {
		t.Fatalf("collected %d metrics, want 1", len(all))
	}
	return written(t, all[0])
}

// buckets expands spans and deltas into absolute counts by key.
func buckets(spans []*dto.BucketSpan, deltas []int64) map[int]int64 {
	out := map[int]int64{}
	key, i, count := 0, 0, int64(0)
	for _, sp := range spans {
		key += int(sp.GetOffset())
		for range sp.GetLength() {
			count += deltas[i]
			if count != 0 {
				out[key] = count
			}
			key, i = key+1, i+1
		}
	}
	return out
}

func labelValue(m *dto.Metric, name string) string {
	i := slices.IndexFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == name })
	if i < 0 {
		return ""
	}
	return m.GetLabel()[i].GetValue()
}
