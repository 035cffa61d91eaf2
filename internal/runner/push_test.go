package runner

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/lockedbuf"
)

// The run's pushers log through the run's logger: a Prometheus refusing the writes is said
// while the run goes on, naming which pusher lost what.
func TestRunPushersLogDropsThroughTheRunLogger(t *testing.T) {
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "out of order sample", http.StatusBadRequest)
	}))
	defer refusing.Close()
	var logs lockedbuf.Buffer
	st := &stack{cfg: &Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, promURL: refusing.URL}
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "k6_http_reqs_total", Help: "Requests."}))
	p, err := st.newPusher(reg, "go-http stress")
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, _ = p.Stop(ctx)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "remote write dropping samples") {
		if time.Now().After(deadline) {
			t.Fatalf("no drop line within 30 s; log:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if line := logs.String(); !strings.Contains(line, `push="go-http stress"`) || p.Stats().SamplesDropped == 0 {
		t.Errorf("the drop line does not name the pusher, or nothing was counted: %s", line)
	}
}
