package load

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestLongStreamsReachTheSummaryWhole runs streams longer than one batch of pending gaps,
// back to back on pooled stream state: every gap must reach the summary trend, agreeing
// with Prometheus, and nothing of one stream may leak into the next.
func TestLongStreamsReachTheSummaryWhole(t *testing.T) {
	srv := streamServer(t)
	const content = 3*maxPendingGaps + 5 // events per stream: content ones, then [DONE]
	p, reg := prepareFor(t, srv.URL, http.Header{"X-Test-Events": {strconv.Itoa(content)}})
	const streams = 3
	for range streams {
		if !p.it.run(context.Background(), time.Now(), noArrival) {
			t.Fatal("iteration reported itself interrupted")
		}
	}
	s := p.col.summary(Options{}, time.Second)
	wantGaps := int64(streams * content) // content+1 events make content gaps per stream
	if s.EventGap.Count != wantGaps || s.TimeToFirstToken.Count != streams {
		t.Fatalf("summary: %d gaps and %d first tokens, want %d and %d", s.EventGap.Count, s.TimeToFirstToken.Count, wantGaps, streams)
	}
	if s.Events != streams*(content+1) || s.Failed != 0 {
		t.Fatalf("summary: %d events, %d failed; want %d and none", s.Events, s.Failed, streams*(content+1))
	}
	if got := gathered(t, reg)["ssebench_event_gap_seconds"]; got != float64(wantGaps) {
		t.Fatalf("Prometheus counts %v gaps, the summary %d", got, wantGaps)
	}
}

func TestInflightReusesAVUContextUntilItIsCancelled(t *testing.T) {
	f := newInflight()
	t0 := time.Now()
	first := f.begin(context.Background(), 1, t0)
	f.end(1)
	if again := f.begin(context.Background(), 1, t0.Add(time.Second)); again != first {
		t.Fatal("a VU whose context was not cancelled got a new one")
	}
	f.interrupt(func(int) bool { return true }, t0) // started after t0: not interrupted
	if first.Err() != nil {
		t.Fatal("an iteration started after `since` was interrupted")
	}
	f.interrupt(func(vu int) bool { return vu == 1 }, t0.Add(time.Second))
	if first.Err() == nil {
		t.Fatal("the running iteration was not interrupted")
	}
	f.end(1)
	fresh := f.begin(context.Background(), 1, t0.Add(2*time.Second))
	if fresh == first || fresh.Err() != nil {
		t.Fatal("after an interrupt the VU did not get a fresh, live context")
	}
	f.end(1)
	f.interrupt(func(int) bool { return true }, t0.Add(time.Hour))
	if fresh.Err() != nil {
		t.Fatal("a VU between iterations was interrupted")
	}
	other := f.begin(context.Background(), 0, t0)
	f.release()
	if fresh.Err() == nil || other.Err() == nil {
		t.Fatal("release left a VU context live")
	}
}
