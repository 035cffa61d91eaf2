package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestEndlessLineIsAParseError: a line that never ends stops the parser with
// ErrLineTooLong once it passes the limit, instead of being buffered without bound.
func TestEndlessLineIsAParseError(t *testing.T) {
	p := NewParser()
	events := 0
	p.Feed([]byte("data: before\n\n"), time.Time{}, func(*Event) { events++ })
	read := bytes.Repeat([]byte("a"), 32<<10)
	for range 3 * DefaultMaxEventSize / len(read) {
		p.Feed(read, time.Time{}, func(*Event) { events++ })
	}
	if !errors.Is(p.Err(), ErrLineTooLong) {
		t.Fatalf("after 3 MiB without a line end: Err() = %v, want ErrLineTooLong", p.Err())
	}
	if events != 1 {
		t.Errorf("%d events, want the one before the long line", events)
	}
	if c := cap(p.partial); c > DefaultMaxEventSize*3/2 { // append's growth above the limit, not the 3 MiB fed
		t.Errorf("the parser holds a %d-byte line buffer for a %d limit", c, DefaultMaxEventSize)
	}
	p.Feed([]byte("\n\ndata: after\n\n"), time.Time{}, func(*Event) { events++ })
	if events != 1 || !errors.Is(p.Err(), ErrLineTooLong) {
		t.Errorf("a failed parser went on: %d events, Err() = %v", events, p.Err())
	}
	p.Reset()
	if p.Err() != nil {
		t.Errorf("Reset kept the error %v", p.Err())
	}
}

// TestOversizedEventIsAParseError: many short data lines that never dispatch
// grow the event's data buffer until ErrEventTooLarge.
func TestOversizedEventIsAParseError(t *testing.T) {
	p := NewParser()
	line := []byte("data: " + strings.Repeat("x", 1000) + "\n")
	for range 2 * DefaultMaxEventSize / len(line) {
		p.Feed(line, time.Time{}, nil)
	}
	if !errors.Is(p.Err(), ErrEventTooLarge) {
		t.Fatalf("after 2 MiB of data lines in one event: Err() = %v, want ErrEventTooLarge", p.Err())
	}
	if c := cap(p.data); c > DefaultMaxEventSize*3/2 {
		t.Errorf("the parser holds a %d-byte data buffer", c)
	}
}

// TestMaxEventSizeBoundary: the limit is inclusive, the same however the stream is cut.
func TestMaxEventSizeBoundary(t *testing.T) {
	const limit = 100
	for _, tc := range []struct {
		stream string
		want   error
	}{
		{"data: " + strings.Repeat("a", limit-6) + "\n\n", nil}, // a line of exactly 100 bytes
		{"data: " + strings.Repeat("a", limit-5) + "\n\n", ErrLineTooLong},
		{"data: " + strings.Repeat("a", 60) + "\ndata: " + strings.Repeat("b", 39) + "\n\n", nil}, // 100 bytes of data, LF included
		{"data: " + strings.Repeat("a", 60) + "\ndata: " + strings.Repeat("b", 40) + "\n\n", ErrEventTooLarge},
	} {
		for _, size := range []int{1, 7, len(tc.stream)} {
			p := NewParser()
			p.SetMaxEventSize(limit)
			events := 0
			for _, read := range chunked([]byte(tc.stream), size) {
				p.Feed(read, time.Time{}, func(*Event) { events++ })
			}
			if !errors.Is(p.Err(), tc.want) || (tc.want == nil) != (events == 1) {
				t.Errorf("%q in %d-byte reads: Err() = %v, %d events; want %v", tc.stream, size, p.Err(), events, tc.want)
			}
			p.Reset()
			if p.maxEvent != limit {
				t.Errorf("Reset forgot the limit: %d", p.maxEvent)
			}
		}
	}
}

// endless is a body that sends one line forever.
type endless struct{}

func (endless) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 'a'
	}
	return len(b), nil
}

// TestReaderStopsAnEndlessLine: Reader.Next returns the parse error after the
// events that preceded it, having read little more than the limit.
func TestReaderStopsAnEndlessLine(t *testing.T) {
	body := io.MultiReader(strings.NewReader("data: one\n\n"), io.LimitReader(endless{}, 64<<20))
	r := NewReader(body, nil)
	ev, err := r.Next()
	if err != nil || string(ev.Data) != "one" {
		t.Fatalf("first event %q, %v", ev.Data, err)
	}
	_, err = r.Next()
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("Next() = %v after %d bytes, want ErrLineTooLong", err, r.BytesRead())
	}
	if n := r.BytesRead(); n > DefaultMaxEventSize+2*readBufferSize {
		t.Errorf("read %d bytes before giving up, limit %d", n, DefaultMaxEventSize)
	}
	if _, again := r.Next(); !errors.Is(again, ErrLineTooLong) {
		t.Errorf("the error did not stick: %v", again)
	}
}
