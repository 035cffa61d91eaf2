package load

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func prepareFor(t testing.TB, target string, headers http.Header) (*prepared, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	p, err := prepare(Options{Target: target, TestID: "t1", Server: "test", ScenarioName: "unit", Headers: headers,
		Registry: reg, Scenario: ConstantVUs{VUs: 1, Duration: time.Second},
		RequestTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.closeIdle)
	return p, reg
}

func TestIterationOutcomes(t *testing.T) {
	srv := streamServer(t)
	url := srv.URL + ChatCompletionsPath
	cases := []struct {
		name, mode      string
		target          string
		status          string
		failed          bool
		statusOK, done  bool
		events          float64
		incomplete      float64
		expected        string
		waitingObserved bool
	}{
		{name: "ok", mode: "ok", status: "200", statusOK: true, done: true, events: 6, expected: "true", waitingObserved: true},
		{name: "500", mode: "status500", status: "500", failed: true, expected: "false", waitingObserved: true},
		{name: "no [DONE]", mode: "nodone", status: "200", failed: true, statusOK: true, events: 5, incomplete: 1, expected: "true", waitingObserved: true},
		{name: "dropped mid-stream", mode: "drop", status: "200", failed: true, statusOK: true, events: 3, incomplete: 1, expected: "true", waitingObserved: true},
		{name: "unreachable", target: "unreachable", status: "0", failed: true, expected: "false"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target := srv.URL
			if c.target == "unreachable" {
				target = unreachableURL(t)
				url = target + ChatCompletionsPath
			} else {
				url = srv.URL + ChatCompletionsPath
			}
			p, reg := prepareFor(t, target, http.Header{"X-Test-Mode": {c.mode}})
			if !p.it.run(context.Background(), time.Now(), noArrival) {
				t.Fatal("iteration reported itself interrupted")
			}
			got := gathered(t, reg)
			labels := `{expected_response="` + c.expected + `",method="POST",name="` + url + `",status="` + c.status + `"}`
			want := map[string]float64{
				"k6_http_reqs_total" + labels:                      1,
				"k6_http_req_duration_seconds" + labels:            1,
				"k6_http_req_failed_rate" + labels:                 b2f(c.failed),
				`k6_checks_rate{check="status is 200"}`:            b2f(c.statusOK),
				`k6_checks_rate{check="stream ended with [DONE]"}`: b2f(c.done),
				"ssebench_iterations_failed_total":                 b2f(c.failed),
				"ssebench_stream_events_total":                     c.events,
				"ssebench_streams_incomplete_total":                c.incomplete,
			}
			if c.waitingObserved {
				want["k6_http_req_waiting_seconds"+labels] = 1
			}
			for k, v := range want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
				}
			}
			if c.target != "unreachable" && (got["k6_data_received_total"] == 0 || got["k6_data_sent_total"] < float64(len(DefaultBody))) {
				t.Errorf("data received %v, sent %v: want both counted", got["k6_data_received_total"], got["k6_data_sent_total"])
			}
			if c.events > 1 && got["ssebench_event_gap_seconds"] != c.events-1 {
				t.Errorf("event gaps %v, want %v", got["ssebench_event_gap_seconds"], c.events-1)
			}
		})
	}
}

func TestIterationTimings(t *testing.T) {
	srv := streamServer(t)
	p, _ := prepareFor(t, srv.URL, http.Header{"X-Test-Events": {"4"}, "X-Test-Gap": {"30ms"}})
	sent := time.Now()
	p.it.run(context.Background(), sent, noArrival)
	s := p.col.summary(Options{}, time.Second)
	// 4 content events each after a 30 ms sleep, then [DONE] at once: the first event comes
	// ≥30 ms after sending, three gaps ≥30 ms and one ~0, the whole stream ≥120 ms.
	if s.TimeToFirstToken.Count != 1 || s.TimeToFirstToken.Min < 30*time.Millisecond {
		t.Errorf("time to first token %+v, want one ≥30ms", s.TimeToFirstToken)
	}
	if s.EventGap.Count != 4 || s.EventGap.Max < 30*time.Millisecond || s.EventGap.Min > 20*time.Millisecond {
		t.Errorf("event gaps %+v, want 4 with max ≥30ms and min near 0", s.EventGap)
	}
	if d := s.HTTPReqDuration; d.Count != 1 || d.Max < 120*time.Millisecond || d.Max < s.TimeToFirstToken.Max {
		t.Errorf("http_req_duration %+v, want one ≥120ms", d)
	}
	if w := s.HTTPReqWaiting; w.Count != 1 || w.Max > s.TimeToFirstToken.Max {
		t.Errorf("http_req_waiting %+v must not exceed time to first token %v", w, s.TimeToFirstToken.Max)
	}
}

func TestInterruptedIterationIsNotARequest(t *testing.T) {
	srv := streamServer(t)
	p, reg := prepareFor(t, srv.URL, http.Header{"X-Test-Events": {"100"}, "X-Test-Gap": {"50ms"}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if p.it.run(ctx, time.Now(), noArrival) {
		t.Fatal("iteration cut by its context reported itself complete")
	}
	for k := range gathered(t, reg) {
		if strings.HasPrefix(k, "k6_http_reqs_total") {
			t.Fatalf("an interrupted iteration was counted as a request: %s", k)
		}
	}
}

func TestCustomHeadersAndBodyReachTheServer(t *testing.T) {
	got := make(chan *http.Request, 1)
	srv := streamServer(t)
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Clone(context.Background())
		inner.ServeHTTP(w, r)
	})
	p, _ := prepareFor(t, srv.URL, http.Header{"x-stub-tokens": {"7"}})
	p.it.run(context.Background(), time.Now(), noArrival)
	r := <-got
	if r.Header.Get("X-Stub-Tokens") != "7" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "text/event-stream" {
		t.Fatalf("headers %v: want X-Stub-Tokens 7, JSON content type and event-stream accept", r.Header)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
