package loadrun

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/remotewrite"
)

func sseServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: {\"i\":%d}\n\n", i)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A pushed run: the summary is handed over while the pusher still runs, and the final push
// (values and stale markers) reaches the receiver before Run returns.
func TestRunPushesAndHandsTheSummaryOverBeforeTheDrain(t *testing.T) {
	var writes atomic.Int64
	rw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		writes.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rw.Close)
	var writesAtEnd int64 = -1
	var progressed atomic.Int64
	r, err := New(Options{
		Load: load.Options{Target: sseServer(t).URL, TestID: "t", Server: "s", ScenarioName: "sc",
			Scenario: load.ConstantVUs{VUs: 1, Duration: 1500 * time.Millisecond, GracefulStop: time.Second}},
		Push:     remotewrite.Config{URL: rw.URL + "/api/v1/write", Interval: 100 * time.Millisecond, Protocol: remotewrite.ProtocolV1},
		Progress: func(load.Progress, int64) { progressed.Add(1) },
		Ended: func(s *load.Summary, err error) {
			if s == nil || err != nil {
				t.Errorf("Ended(%v, %v): want the summary and no error", s, err)
			}
			writesAtEnd = writes.Load()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Pushing() {
		t.Fatal("Pushing() = false with a push URL")
	}
	res := r.Run(context.Background())
	if res.Err != nil || res.PushErr != nil || res.Summary == nil || res.Summary.Requests == 0 {
		t.Fatalf("Run: %+v; want requests, no error", res)
	}
	if res.Push.SamplesSent == 0 || writes.Load() <= writesAtEnd {
		t.Errorf("%d samples sent, %d writes in all, %d when the load ended: want the final push after Ended", res.Push.SamplesSent, writes.Load(), writesAtEnd)
	}
	if progressed.Load() == 0 {
		t.Error("Progress was never called")
	}
}

// Without a push URL nothing is pushed; a URL the pusher refuses fails New, before anything runs.
func TestRunWithoutPushAndABadPushURL(t *testing.T) {
	r, err := New(Options{Load: load.Options{Target: sseServer(t).URL, TestID: "t", Server: "s", ScenarioName: "sc",
		Scenario: load.ConstantVUs{VUs: 1, Duration: 200 * time.Millisecond, GracefulStop: time.Second}}})
	if err != nil || r.Pushing() {
		t.Fatalf("New without a push URL: %v, pushing %v", err, r != nil && r.Pushing())
	}
	if res := r.Run(context.Background()); res.Err != nil || res.Summary == nil || res.Push.SamplesSent != 0 {
		t.Fatalf("Run: %+v; want a summary and nothing pushed", res)
	}
	if _, err := New(Options{Push: remotewrite.Config{URL: "ftp://x"}}); err == nil {
		t.Fatal("New accepted an ftp:// push URL")
	}
}
