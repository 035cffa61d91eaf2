package sse

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// dirtyPrefix leaves every piece of parser state set: a consumed BOM, a last event ID, a
// reconnection time, comments, a half-built event with a type, a CR ending the read and a
// partial line. A reset parser must forget all of it.
const dirtyPrefix = "\xEF\xBB\xBFid: 9\nretry: 70\n: c\nevent: x\ndata: pending\r"

func TestResetParsesLikeANewParser(t *testing.T) {
	p := NewParser()
	for _, tc := range parserCases {
		p.Feed([]byte(dirtyPrefix), time.Time{}, nil)
		p.Feed([]byte("data: half a li"), time.Time{}, nil)
		p.Reset()
		if _, ok := p.ReconnectionTime(); ok || p.Comments() != 0 {
			t.Fatalf("%s: after Reset, Comments() = %d and a reconnection time is set (%v)", tc.name, p.Comments(), ok)
		}
		var got []rec
		for _, read := range chunked([]byte(tc.stream), 3) {
			p.Feed(read, time.Time{}, func(ev *Event) { got = append(got, toRec(ev)) })
		}
		if !slices.Equal(got, tc.want) || p.Comments() != tc.comments {
			t.Errorf("%s: after Reset got %v (%d comments), want %v (%d)", tc.name, got, p.Comments(), tc.want, tc.comments)
		}
	}
}

// TestResetSkipsTheBOMOfTheNextStream checks the BOM state in particular: a stream that
// started with a BOM must not stop the next one's BOM from being skipped, and a BOM split
// by Reset is not a BOM.
func TestResetSkipsTheBOMOfTheNextStream(t *testing.T) {
	p := NewParser()
	var got []rec
	emit := func(ev *Event) { got = append(got, toRec(ev)) }
	p.Feed([]byte("\xEF\xBB"), time.Time{}, emit)
	p.Reset()
	p.Feed([]byte("\xBFdata: a\n\n"), time.Time{}, emit) // no longer a BOM: a field named "\uFFFDdata"
	p.Reset()
	p.Feed([]byte("\xEF\xBB\xBFdata: b\n\n"), time.Time{}, emit)
	if want := []rec{msg("b")}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestResetDoesNotAllocateAndDropsHugeBuffers(t *testing.T) {
	p := NewParser()
	huge := append(append([]byte("data: "), bytes.Repeat([]byte("x"), 2*maxRetainedBuffer)...), "\n\n"...)
	p.Feed(huge, time.Time{}, func(*Event) {})
	p.Reset()
	if c := cap(p.data); c > maxRetainedBuffer {
		t.Fatalf("Reset kept a %d-byte data buffer, want at most %d", c, maxRetainedBuffer)
	}
	if raceEnabled {
		return // the race detector's instrumentation allocates
	}
	stream := []byte("event: delta\n" + openAIStream(3))
	events := 0
	oneStream := func() {
		p.Reset()
		p.Feed(stream, time.Time{}, func(*Event) { events++ })
	}
	oneStream() // grow the buffers and intern the type
	if allocs := testing.AllocsPerRun(50, oneStream); allocs != 0 {
		t.Fatalf("Reset and one stream allocated %v times, want 0", allocs)
	}
	if events == 0 {
		t.Fatal("no events were dispatched")
	}
}
