package load

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// streamServer is a real SSE server on 127.0.0.1 shaped by request headers:
// X-Test-Mode ok (default), status500, nodone (ends cleanly without [DONE]) or drop
// (connection cut mid-stream); X-Test-Events content events; X-Test-Gap between events.
func streamServer(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != ChatCompletionsPath {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		mode := r.Header.Get("X-Test-Mode")
		if mode == "status500" {
			http.Error(w, `{"error":{"message":"boom"}}`, http.StatusInternalServerError)
			return
		}
		events, _ := strconv.Atoi(r.Header.Get("X-Test-Events"))
		if events == 0 {
			events = 5
		}
		gap, _ := time.ParseDuration(r.Header.Get("X-Test-Gap"))
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		flusher := w.(http.Flusher)
		for i := range events {
			select {
			case <-time.After(gap):
			case <-r.Context().Done():
				return
			}
			fmt.Fprintf(w, "data: {\"choices\":[{\"delta\":{\"content\":\"tok%d\"}}]}\n\n", i)
			flusher.Flush()
			if mode == "drop" && i == events/2 {
				panic(http.ErrAbortHandler) // net/http closes the connection without ending the chunked body
			}
		}
		if mode != "nodone" {
			fmt.Fprint(w, "data: [DONE]\n\n")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// unreachableURL is an http URL on 127.0.0.1 where nothing listens.
func unreachableURL(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// gathered flattens a registry into name{label="v",...} → value (histograms: sample count).
func gathered(t testing.TB, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			out[seriesKey(f.GetName(), m, "testid", "server", "scenario")] = metricValue(m)
		}
	}
	return out
}

func seriesKey(name string, m *dto.Metric, skip ...string) string {
	var parts []string
	for _, lp := range m.GetLabel() {
		skipped := false
		for _, s := range skip {
			skipped = skipped || lp.GetName() == s
		}
		if !skipped {
			parts = append(parts, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
		}
	}
	if len(parts) == 0 {
		return name
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}
