package probe

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/exporterconfig"
)

const tokens = 10

// streamModule expects tokens+1 events (the tokens and [DONE]) spread over time.
func streamModule(maxGap time.Duration) exporterconfig.Module {
	done := true
	return exporterconfig.Module{
		Body: `{"stream":true}`,
		Headers: map[string]string{
			"X-Stub-Tokens":              fmt.Sprint(tokens),
			"X-Stub-Time-To-First-Token": "20ms",
			"X-Stub-Inter-Token-Delay":   "20ms",
		},
		Timeout:     exporterconfig.Duration(20 * time.Second),
		MinEvents:   tokens + 1,
		MaxEventGap: exporterconfig.Duration(maxGap),
		RequireDone: &done,
		Buffering:   exporterconfig.Buffering{MinFirstToLast: exporterconfig.Duration(50 * time.Millisecond), MaxFirstEventFraction: 0.5},
	}
}

// probeVia runs the probe through the /probe handler and returns its series by name
// (probe_sse_failure by reason as probe_sse_failure/REASON).
func probeVia(t *testing.T, target string, m exporterconfig.Module, header string) map[string]float64 {
	t.Helper()
	modules := func(name string) (exporterconfig.Module, bool) { return m, name == "m" }
	h := Handler(modules, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{LoopbackByDefault: true})
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/probe?module=m&target="+url.QueryEscape(target), nil)
	if header != "" {
		req.Header.Set(scrapeTimeoutHeader, header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("/probe answered %s: %s", resp.Status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, mt := range f.GetMetric() {
			key := name
			for _, l := range mt.GetLabel() {
				key += "/" + l.GetValue()
			}
			out[key] = mt.GetGauge().GetValue()
		}
	}
	return out
}

func wantFailures(t *testing.T, got map[string]float64, reasons ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, r := range reasons {
		want[r] = true
	}
	for _, r := range Reasons {
		v, ok := got["probe_sse_failure/"+r]
		if !ok {
			t.Errorf("probe_sse_failure{reason=%q} missing", r)
		}
		if (v == 1) != want[r] {
			t.Errorf("probe_sse_failure{reason=%q} = %v, want %v", r, v, want[r])
		}
	}
	success := 0.0
	if len(reasons) == 0 {
		success = 1
	}
	if got["probe_success"] != success {
		t.Errorf("probe_success = %v, want %v", got["probe_success"], success)
	}
}

func TestProbeThroughCorrectProxySucceeds(t *testing.T) {
	proxy := correctProxy(t, upstream(t).URL)
	got := probeVia(t, proxy.URL, streamModule(time.Second), "")
	wantFailures(t, got)
	if got["probe_sse_events"] != tokens+1 || got["probe_sse_done"] != 1 || got["probe_http_status_code"] != 200 {
		t.Errorf("events %v, done %v, status %v", got["probe_sse_events"], got["probe_sse_done"], got["probe_http_status_code"])
	}
	ttfb, ttfe := got["probe_sse_time_to_first_byte_seconds"], got["probe_sse_time_to_first_event_seconds"]
	spread, total := got["probe_sse_first_to_last_event_seconds"], got["probe_sse_stream_duration_seconds"]
	// Ten tokens 20 ms apart: at least 180 ms between the first and the last event.
	if !(ttfb > 0 && ttfe >= ttfb && spread >= 0.18 && total >= ttfe+spread-0.001) {
		t.Errorf("timings out of order: ttfb %v, ttfe %v, first→last %v, stream %v", ttfb, ttfe, spread, total)
	}
	if gap := got["probe_sse_max_event_gap_seconds"]; gap < 0.019 {
		t.Errorf("max gap %v below the 20 ms inter-token delay", gap)
	}
}

func TestProbeThroughBufferingProxyFails(t *testing.T) {
	proxy := bufferingProxy(t, upstream(t).URL)
	got := probeVia(t, proxy.URL, streamModule(time.Second), "")
	wantFailures(t, got, ReasonBuffered)
	if got["probe_sse_events"] != tokens+1 || got["probe_sse_done"] != 1 {
		t.Errorf("every event should still arrive: events %v, done %v", got["probe_sse_events"], got["probe_sse_done"])
	}
	if spread := got["probe_sse_first_to_last_event_seconds"]; spread > 0.05 {
		t.Errorf("first→last %v s: a buffered stream delivers its events together", spread)
	}
}

// With Nagle's algorithm on and a client that delays its ACKs, the second half of each event
// waits for the ACK of the first: the kernel's delayed-ACK timer is at least 40 ms, far
// above the 5 ms between tokens.
func TestProbeThroughNagleProxyFails(t *testing.T) {
	m := streamModule(30 * time.Millisecond)
	m.Headers["X-Stub-Tokens"] = "20"
	m.Headers["X-Stub-Inter-Token-Delay"] = "5ms"
	m.MinEvents = 21
	target := "http://" + delayedAckRelay(t, nagleProxy(t, upstream(t).URL))
	got := probeVia(t, target, m, "")
	if got["probe_sse_failure/"+ReasonGapExceeded] != 1 || got["probe_success"] != 0 {
		t.Errorf("want failure by gap_exceeded, got success %v, reasons %v", got["probe_success"], failures(got))
	}
	if gap := got["probe_sse_max_event_gap_seconds"]; gap < 0.030 {
		t.Errorf("max gap %v s, want the ≥40 ms delayed-ACK stall", gap)
	}
	if got["probe_sse_events"] != 21 || got["probe_sse_done"] != 1 {
		t.Errorf("every event should still arrive: events %v, done %v", got["probe_sse_events"], got["probe_sse_done"])
	}
	t.Logf("nagle proxy: max gap %.1f ms over %v events", got["probe_sse_max_event_gap_seconds"]*1000, got["probe_sse_events"])
}

func failures(got map[string]float64) []string {
	var out []string
	for _, r := range Reasons {
		if got["probe_sse_failure/"+r] == 1 {
			out = append(out, r)
		}
	}
	return out
}

func TestProbeConnectionRefused(t *testing.T) {
	l := listen(t)
	addr := l.Addr().String()
	l.Close()
	got := probeVia(t, "http://"+addr+"/", streamModule(time.Second), "")
	wantFailures(t, got, ReasonConnect)
	if got["probe_http_status_code"] != 0 {
		t.Errorf("status %v without a response", got["probe_http_status_code"])
	}
}

func TestProbeErrorStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	got := probeVia(t, srv.URL, streamModule(time.Second), "")
	wantFailures(t, got, ReasonStatus)
	if got["probe_http_status_code"] != 503 {
		t.Errorf("status %v", got["probe_http_status_code"])
	}
}

// A stream that ends without [DONE] and with too few events fails for both reasons.
func TestProbeTruncatedStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"token\":0}\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(100 * time.Millisecond)
		fmt.Fprint(w, "data: {\"token\":1}\n\n")
	}))
	defer srv.Close()
	got := probeVia(t, srv.URL, streamModule(time.Second), "")
	wantFailures(t, got, ReasonTooFewEvents, ReasonNoDone)
}

// The scrape timeout Prometheus announces, minus the offset, bounds a stalled stream.
func TestProbeTimeoutFromScrapeHeader(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"token\":0}\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	m := streamModule(time.Second)
	m.TimeoutOffset = exporterconfig.Duration(500 * time.Millisecond)
	got := probeVia(t, srv.URL, m, "1.5")
	wantFailures(t, got, ReasonTimeout, ReasonTooFewEvents, ReasonNoDone)
	if d := got["probe_duration_seconds"]; d < 0.9 || d > 10 {
		t.Errorf("probe took %v s, want about the 1 s left after the offset", d)
	}
}

func TestTimeout(t *testing.T) {
	m := exporterconfig.Module{Timeout: exporterconfig.Duration(10 * time.Second), TimeoutOffset: exporterconfig.Duration(500 * time.Millisecond)}
	cases := []struct {
		header string
		want   time.Duration
		err    string
	}{
		{"", 10 * time.Second, ""},
		{"5", 4500 * time.Millisecond, ""},
		{"60", 10 * time.Second, ""},
		{"0.4", 0, "leaves no time"},
		{"soon", 0, "not a positive number"},
		{"-1", 0, "not a positive number"},
	}
	for _, c := range cases {
		got, err := Timeout(c.header, m)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.header, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %v %v, want %v", c.header, got, err, c.want)
		}
	}
}

func TestHandlerRejectsBadRequests(t *testing.T) {
	modules := func(name string) (exporterconfig.Module, bool) { return exporterconfig.DefaultModule(), name == "chat" }
	srv := httptest.NewServer(Handler(modules, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{LoopbackByDefault: true}))
	defer srv.Close()
	cases := map[string]string{
		"/probe":                 "target parameter is missing",
		"/probe?target=ftp://x/": "http or https",
		"/probe?target=http://":  "no host",
		"/probe?target=http://127.0.0.1:1/&module=x": `unknown module "x"`,
		"/probe?target=%zz":                          "target",
	}
	for path, want := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), want) {
			t.Errorf("%s: %s %q, want 400 mentioning %q", path, resp.Status, body, want)
		}
	}
}
