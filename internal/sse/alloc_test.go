package sse

import (
	"testing"
	"time"
)

// TestFeedDoesNotAllocatePerEvent pins the zero-allocation promise of Feed once its
// buffers have grown: the same event type and ID again cost nothing either.
func TestFeedDoesNotAllocatePerEvent(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	stream := []byte("event: delta\nid: 7\n" + openAIStream(5) + ": keep-alive\r\n")
	reads := chunked(stream, 100)
	p := NewParser()
	events := 0
	emit := func(*Event) { events++ }
	feedAll := func() {
		for _, read := range reads {
			p.Feed(read, time.Time{}, emit)
		}
	}
	feedAll() // grow the buffers and intern the type
	if allocs := testing.AllocsPerRun(50, feedAll); allocs != 0 {
		t.Fatalf("Feed allocated %v times per stream of %d events, want 0", allocs, len(openAIPayloads(5)))
	}
	if events == 0 {
		t.Fatal("no events were dispatched")
	}
}
