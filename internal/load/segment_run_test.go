package load

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// splitRun is one run of a scenario, whole or as one segment, with what it recorded.
type splitRun struct {
	seg *Segment
	reg *prometheus.Registry
	sum *Summary
	err error
}

// runSplit runs sc against target once whole and once per segment of sequence, all at the same
// time, as separate generators would: each with its own registry, transport and executor.
func runSplit(t *testing.T, target string, sc Scenario, sequence string) (whole *splitRun, parts []*splitRun) {
	t.Helper()
	whole = &splitRun{reg: prometheus.NewRegistry()}
	runs := []*splitRun{whole}
	for _, seg := range segmentsOf(t, sequence) {
		runs = append(runs, &splitRun{seg: seg, reg: prometheus.NewRegistry()})
	}
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Go(func() {
			r.sum, r.err = Run(context.Background(), Options{Target: target, TestID: "split", Server: "s", ScenarioName: "sc",
				Scenario: sc, Segment: r.seg, Registry: r.reg,
				Headers: http.Header{"X-Test-Events": {"3"}, "X-Test-Gap": {"10ms"}}}) // slow enough to spare the machine
		})
	}
	wg.Wait()
	for _, r := range runs {
		if r.err != nil {
			t.Fatalf("segment %s: %v", r.seg, r.err)
		}
		if r.sum.Failed != 0 || r.sum.Dropped != 0 || r.sum.Interrupted != 0 {
			t.Fatalf("segment %s: %d failed, %d dropped, %d interrupted; the comparison needs none",
				r.seg, r.sum.Failed, r.sum.Dropped, r.sum.Interrupted)
		}
	}
	return whole, runs[1:]
}

// instanceValue is the one value of a load_instance-labelled series family in reg, checking the label.
func instanceValue(t *testing.T, r *splitRun, name string) float64 {
	t.Helper()
	families, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		m := f.GetMetric()[0]
		if got := labelValue(m, LoadInstanceLabel); r.seg != nil && got != r.seg.String() {
			t.Fatalf("%s: %s=%q, want %q", name, LoadInstanceLabel, got, r.seg)
		} else if r.seg == nil && got != "" {
			t.Fatalf("%s of the whole run carries %s=%q; want no such label", name, LoadInstanceLabel, got)
		}
		return metricValue(m)
	}
	t.Fatalf("%s not registered", name)
	return 0
}

func TestSplitRunAddsUpToTheWholeRun(t *testing.T) {
	target := streamServer(t).URL
	cases := []struct {
		name string
		sc   Scenario
		// counters that must add up exactly; k6_vus_max is the VUs each executor planned at most
		exact []string
	}{
		{"constant-arrival-rate 60/s", ConstantArrivalRate{Rate: 60, TimeUnit: time.Second,
			Duration: time.Second, PreAllocatedVUs: 6, MaxVUs: 6, GracefulStop: 5 * time.Second},
			[]string{"k6_http_reqs_total", "k6_iterations_total", "k6_vus_max", "ssebench_stream_events_total"}},
		{"constant-vus 10", ConstantVUs{VUs: 10, Duration: 500 * time.Millisecond,
			GracefulStop: 5 * time.Second}, []string{"k6_vus_max"}},
		{"ramping-vus 0→7→0", RampingVUs{GracefulStop: 5 * time.Second, GracefulRampDown: 5 * time.Second,
			Stages: []Stage{{400 * time.Millisecond, 7}, {300 * time.Millisecond, 0}}}, []string{"k6_vus_max"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			whole, parts := runSplit(t, target, c.sc, "0,1/3,2/3,1")
			for _, name := range c.exact {
				want, sum := instanceValue(t, whole, name), 0.0
				for _, p := range parts {
					sum += instanceValue(t, p, name)
				}
				if sum != want || want == 0 {
					t.Errorf("%s: the segments' sum to %v, the whole run has %v", name, sum, want)
				}
			}
			if c.sc.Executor() == ExecConstantArrivalRate && whole.sum.Requests != 60 {
				t.Errorf("the whole run made %d requests, want 60 (60/s for 1 s)", whole.sum.Requests)
			}
			peak := 0
			for _, p := range parts {
				peak += p.sum.VUsMax
			}
			if peak != whole.sum.VUsMax {
				t.Errorf("peak active VUs: segments %d together, whole run %d", peak, whole.sum.VUsMax)
			}
			t.Logf("whole: %d requests, %d VUs at most; segments: %d+%d+%d requests, %d+%d+%d VUs",
				whole.sum.Requests, whole.sum.VUsMax, parts[0].sum.Requests, parts[1].sum.Requests, parts[2].sum.Requests,
				parts[0].sum.VUsMax, parts[1].sum.VUsMax, parts[2].sum.VUsMax)
		})
	}
}
