package load

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func within(got, want time.Duration, rel float64) bool {
	return math.Abs(float64(got-want)) <= rel*float64(want)
}

func TestTrendOfKnownValues(t *testing.T) {
	tr := newTrend()
	for i := 1000; i >= 1; i-- { // 1..1000 ms, in reverse so order cannot matter
		tr.record(time.Duration(i) * time.Millisecond)
	}
	s := tr.summary()
	if s.Count != 1000 || s.Avg != 500500*time.Microsecond || s.Min != time.Millisecond || s.Max != time.Second {
		t.Fatalf("count %d avg %v min %v max %v; want exact 1000, 500.5ms, 1ms, 1s", s.Count, s.Avg, s.Min, s.Max)
	}
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{{"med", s.Med, 500 * time.Millisecond}, {"p90", s.P90, 900 * time.Millisecond}, {"p95", s.P95, 950 * time.Millisecond}} {
		if !within(c.got, c.want, 0.001) {
			t.Errorf("%s = %v, want %v ±0.1%%", c.name, c.got, c.want)
		}
	}
}

func TestTrendExtremesAreExact(t *testing.T) {
	tr := newTrend()
	tr.record(1234567 * time.Nanosecond) // not on a histogram bucket boundary
	s := tr.summary()
	if s.Min != 1234567*time.Nanosecond || s.Max != s.Min || s.P95 != s.Min || s.Med != s.Min {
		t.Fatalf("one sample of 1.234567ms: %+v; every statistic must be that value", s)
	}
}

func TestSummaryCountsKnownOutcomes(t *testing.T) {
	m, err := newMetrics(prometheus.NewRegistry(), prometheus.Labels{"testid": "t", "server": "s", "scenario": "x"}, "POST", "u", RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	c := newCollector(m)
	for i := range 100 {
		r := requestResult{status: 200, statusOK: true, done: true, duration: time.Duration(i+1) * time.Millisecond}
		switch {
		case i < 3: // transport errors
			r = requestResult{failed: true, duration: time.Millisecond}
		case i < 5: // 500s
			r = requestResult{status: 500, failed: true, duration: time.Millisecond, hasWaiting: true}
		case i < 9: // 200 without [DONE]
			r.done, r.failed = false, true
		}
		c.request(r)
		c.iterationDone(epoch, epoch.Add(r.duration), true)
	}
	c.iterationDone(epoch, epoch, false)
	c.iterationDropped()
	c.received(5000)
	c.sent(300)
	s := c.summary(Options{TestID: "t", Scenario: ConstantVUs{}}, 10*time.Second)
	if s.Requests != 100 || s.Failed != 9 || s.FailPercent() != 9 || s.RequestRate != 10 {
		t.Fatalf("requests %d failed %d fail%% %v rate %v; want 100, 9, 9, 10/s", s.Requests, s.Failed, s.FailPercent(), s.RequestRate)
	}
	wantChecks := []CheckSummary{{CheckStatus200, 95, 5}, {CheckDone, 91, 9}}
	for i, w := range wantChecks {
		if s.Checks[i] != w {
			t.Errorf("check %d = %+v, want %+v", i, s.Checks[i], w)
		}
	}
	if s.Incomplete != 4 || s.Iterations != 100 || s.Interrupted != 1 || s.Dropped != 1 || s.DataReceived != 5000 || s.DataSent != 300 {
		t.Errorf("incomplete %d iterations %d interrupted %d dropped %d received %d sent %d",
			s.Incomplete, s.Iterations, s.Interrupted, s.Dropped, s.DataReceived, s.DataSent)
	}
	if s.HTTPReqDuration.Max != 100*time.Millisecond || s.HTTPReqWaiting.Count != 2 {
		t.Errorf("duration max %v waiting count %d; want 100ms and 2", s.HTTPReqDuration.Max, s.HTTPReqWaiting.Count)
	}

	var text bytes.Buffer
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"✗ status is 200", "↳  95.00% — ✓ 95 / ✗ 5", "http_req_failed", "9.00%", "http_reqs", "100     10.00/s",
		"max=100ms", "data_received", "5 kB"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text summary lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	if err := s.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded["http_reqs"] != 100.0 || decoded["elapsed_seconds"] != 10.0 ||
		decoded["http_req_duration"].(map[string]any)["max_ms"] != 100.0 {
		t.Errorf("JSON summary: %s", js.String())
	}
}

func TestK6Duration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", 850 * time.Microsecond: "850µs", 45830 * time.Microsecond: "45.83ms",
		1200 * time.Millisecond: "1.2s", 2 * time.Second: "2s"} {
		if got := k6Duration(d); got != want {
			t.Errorf("k6Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
