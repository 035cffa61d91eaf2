package aiperf

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/run"
)

// loadSeries are a load run's series as the load generator names them (k6_vus and
// k6_vus_max for the run's trials and windows, the rest for the export), written by the
// project's remote-write pusher into a real Prometheus: two trials at once, two servers,
// of which only "fast" counts goodput (as k6's data never does).
type loadSeries struct {
	reqs, goodput        *prometheus.CounterVec
	vus, vusMax, elapsed *prometheus.GaugeVec
	durMax, gapMax       *prometheus.GaugeVec
	ttft, gap, dur       *prometheus.HistogramVec
}

func newLoadSeries(reg *prometheus.Registry) *loadSeries {
	labels := []string{"testid", "server", "scenario"}
	counter := func(name string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: name}, labels)
	}
	gauge := func(name string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: name}, labels)
	}
	histogram := func(name string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: name, NativeHistogramBucketFactor: 1.022}, labels)
	}
	s := &loadSeries{
		reqs: counter(metricname.K6HTTPReqs), goodput: counter(metricname.GoodputStreams),
		vus: gauge(metricname.K6VUs), vusMax: gauge(metricname.K6VUsMax), elapsed: gauge(metricname.LoadElapsed),
		durMax: gauge(metricname.HTTPReqDurationMax), gapMax: gauge(metricname.EventGapMax),
		ttft: histogram(metricname.TimeToFirstToken), gap: histogram(metricname.EventGap), dur: histogram(metricname.K6HTTPReqDuration),
	}
	reg.MustRegister(s.reqs, s.goodput, s.vus, s.vusMax, s.elapsed, s.durMax, s.gapMax, s.ttft, s.gap, s.dur)
	return s
}

// e2eServer is one server's fixed figures: streams per tick, time to first token, gap
// between its 4 events, whole stream, and the exact maxima its gauges keep.
type e2eServer struct {
	name           string
	streams        int
	ttft, gap, dur float64
	durMax, gapMax float64
	countsGoodput  bool
}

var e2eServers = []e2eServer{
	{name: "fast", streams: 10, ttft: 0.010, gap: 0.002, dur: 0.050, durMax: 0.0731, gapMax: 0.0042, countsGoodput: true},
	{name: "slow", streams: 5, ttft: 0.020, gap: 0.004, dur: 0.100, durMax: 0.1234, gapMax: 0.0087},
}

const e2eGapsPerStream = 3 // 4 events

func (s *loadSeries) tick(testid string, elapsed time.Duration) {
	for _, srv := range e2eServers {
		l := []string{testid, srv.name, catalog.ScenarioStress}
		s.vus.WithLabelValues(l...).Set(10)
		s.vusMax.WithLabelValues(l...).Set(10)
		s.elapsed.WithLabelValues(l...).Set(elapsed.Seconds())
		s.durMax.WithLabelValues(l...).Set(srv.durMax)
		s.gapMax.WithLabelValues(l...).Set(srv.gapMax)
		for range srv.streams {
			s.reqs.WithLabelValues(l...).Inc()
			s.ttft.WithLabelValues(l...).Observe(srv.ttft)
			s.dur.WithLabelValues(l...).Observe(srv.dur)
			for range e2eGapsPerStream {
				s.gap.WithLabelValues(l...).Observe(srv.gap)
			}
			if srv.countsGoodput {
				s.goodput.WithLabelValues(l...).Inc()
			}
		}
	}
}

// The export fetched from a real Prometheus: two trials pooled (counts add up), the mean
// exact, quantiles within the histograms' resolution, exact maxima, and goodput only for
// the server that has its series.
func TestFetchFromARealPrometheus(t *testing.T) {
	bin := promrun.RequireBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	prom, err := promrun.Start(ctx, promrun.Options{Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := prom.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})

	const id = "20260115-aiperf-test"
	trialIDs := []string{run.TrialTestID(id, 1, 2), run.TrialTestID(id, 2, 2)}
	reg := prometheus.NewPedanticRegistry()
	series := newLoadSeries(reg)
	pusher, err := remotewrite.New(remotewrite.Config{URL: prom.RemoteWriteURL(), Interval: 250 * time.Millisecond}, reg)
	if err != nil {
		t.Fatal(err)
	}
	pushStart := time.Now()
	pusher.Start(ctx)
	const ticks = 12
	ticker := time.NewTicker(250 * time.Millisecond)
	for range ticks {
		<-ticker.C
		for _, tid := range trialIDs {
			series.tick(tid, time.Since(pushStart))
		}
	}
	ticker.Stop()
	if _, err := pusher.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	q, err := run.NewQuerier(prom.URL())
	if err != nil {
		t.Fatal(err)
	}
	trials, err := q.Trials(ctx, id, time.Now().Add(2*time.Second), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 2 {
		t.Fatalf("trials: %+v", trials)
	}
	table, err := Fetch(ctx, q, id, trials)
	if err != nil {
		t.Fatal(err)
	}
	profiles, err := Build(table, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(profiles) != 2 {
		t.Fatalf("%d profiles, want fast and slow in stress", len(profiles))
	}
	if b, err := Marshal(profiles[0].Export); err == nil {
		t.Logf("fast's export:\n%s", b)
	}
	for i, srv := range e2eServers {
		p := profiles[i]
		if p.Server != srv.name || p.Scenario != catalog.ScenarioStress {
			t.Fatalf("profile %d is %s %s", i, p.Server, p.Scenario)
		}
		e := p.Export
		streams := int64(len(trialIDs) * ticks * srv.streams)
		if e.RequestCount == nil || *e.RequestCount.Avg != float64(streams) {
			t.Errorf("%s request_count: %+v, want %d", srv.name, e.RequestCount, streams)
		}
		for tag, want := range map[string]struct {
			m          *Metric
			count      int64
			value, max float64 // max 0: none kept
		}{
			TagTimeToFirstToken:  {e.TimeToFirstToken, streams, srv.ttft, 0},
			TagInterTokenLatency: {e.InterTokenLatency, streams * e2eGapsPerStream, srv.gap, srv.gapMax},
			TagRequestLatency:    {e.RequestLatency, streams, srv.dur, srv.durMax},
		} {
			m, ms := want.m, 1000*want.value
			if m == nil || m.Unit != UnitMillis || m.Count == nil || *m.Count != want.count {
				t.Errorf("%s %s: %+v, want count %d in ms", srv.name, tag, m, want.count)
				continue
			}
			if math.Abs(*m.Avg-ms) > 1e-9*ms {
				t.Errorf("%s %s avg %g ms, want %g exactly (sum / count)", srv.name, tag, *m.Avg, ms)
			}
			for _, p := range []*float64{m.P50, m.P90, m.P95, m.P99} {
				if p == nil || math.Abs(*p-ms) > 0.03*ms {
					t.Errorf("%s %s quantiles %+v, want each within 3 %% of %g ms", srv.name, tag, m, ms)
					break
				}
			}
			switch {
			case want.max == 0 && m.Max != nil:
				t.Errorf("%s %s: no exact max exists, yet %g", srv.name, tag, *m.Max)
			case want.max != 0 && (m.Max == nil || math.Abs(*m.Max-1000*want.max) > 1e-9):
				t.Errorf("%s %s max %v, want exactly %g ms", srv.name, tag, m.Max, 1000*want.max)
			}
		}
		if e.RequestThroughput == nil || *e.RequestThroughput.Avg <= 0 {
			t.Errorf("%s request_throughput: %+v", srv.name, e.RequestThroughput)
		}
		if !srv.countsGoodput {
			if e.Goodput != nil || e.GoodRequestCount != nil {
				t.Errorf("%s pushed no goodput, yet %+v %+v", srv.name, e.Goodput, e.GoodRequestCount)
			}
			continue
		}
		if e.GoodRequestCount == nil || *e.GoodRequestCount.Avg != float64(streams) || e.Goodput == nil ||
			math.Abs(*e.Goodput.Avg-*e.RequestThroughput.Avg) > 0.01**e.RequestThroughput.Avg {
			t.Errorf("%s goodput: %+v %+v, want every stream good, at req/s %g", srv.name, e.Goodput, e.GoodRequestCount, *e.RequestThroughput.Avg)
		}
	}
	paths, err := Write(t.TempDir(), profiles)
	if err != nil || len(paths) != 2 {
		t.Fatalf("wrote %v, %v", paths, err)
	}
	if _, err := os.Stat(paths[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := Fetch(ctx, q, "no-such-run", []run.Trial{{Number: 1, TestID: "no-such-run", Window: trials[0].Window}}); err == nil {
		t.Error("a run without data must be an error")
	}
}
