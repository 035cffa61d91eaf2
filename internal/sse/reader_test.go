package sse

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// readAll drains r and returns the events and the error that ended the stream.
func readAll(t *testing.T, r *Reader) ([]Event, error) {
	t.Helper()
	var events []Event
	for range 100000 {
		ev, err := r.Next()
		if err != nil {
			return events, err
		}
		events = append(events, ev)
	}
	t.Fatal("the reader never ended")
	return nil, nil
}

func TestReaderOverRealHTTPStream(t *testing.T) {
	payloads := openAIPayloads(20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, payload := range payloads {
			io.WriteString(w, "data: "+payload+"\n\n")
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()

	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := NewReader(resp.Body, nil)
	events, err := readAll(t, r)
	if err != io.EOF {
		t.Fatalf("stream ended with %v, want io.EOF", err)
	}
	if len(events) != len(payloads) {
		t.Fatalf("got %d events, want %d", len(events), len(payloads))
	}
	for i, ev := range events {
		if string(ev.Data) != payloads[i] {
			t.Fatalf("event %d: data %q, want %q", i, ev.Data, payloads[i])
		}
		if ev.At.IsZero() || (i > 0 && ev.At.Before(events[i-1].At)) {
			t.Fatalf("event %d: At %v is zero or earlier than the previous event's", i, ev.At)
		}
	}
	if want := int64(len(openAIStream(20))); r.BytesRead() != want {
		t.Fatalf("BytesRead() = %d, want %d", r.BytesRead(), want)
	}
}

func TestReaderDiscardsIncompleteEventAtEOF(t *testing.T) {
	r := NewReader(strings.NewReader("data: a\n\ndata: b\n"), nil)
	events, err := readAll(t, r)
	if err != io.EOF || len(events) != 1 || string(events[0].Data) != "a" {
		t.Fatalf("got %d events and %v, want the one event \"a\" then io.EOF", len(events), err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next after EOF returned %v, want io.EOF again", err)
	}
}

func TestReaderReturnsReadErrorsAfterTheEventsBeforeThem(t *testing.T) {
	boom := errors.New("connection reset by test")
	body := io.MultiReader(strings.NewReader("data: a\n\ndata: b\n\ndata: partial"), iotest.ErrReader(boom))
	events, err := readAll(t, NewReader(body, nil))
	if err != boom {
		t.Fatalf("stream ended with %v, want the reader's own error", err)
	}
	if len(events) != 2 {
		t.Fatalf("got %d events before the error, want 2", len(events))
	}
}

func TestReaderHandlesDataAndEOFInOneRead(t *testing.T) {
	events, err := readAll(t, NewReader(iotest.DataErrReader(strings.NewReader("data: a\n\n")), nil))
	if err != io.EOF || len(events) != 1 {
		t.Fatalf("got %d events and %v, want 1 event then io.EOF", len(events), err)
	}
}

func TestReaderDataIsOwnedByTheCaller(t *testing.T) {
	r := NewReader(iotest.OneByteReader(strings.NewReader("data: first\n\ndata: second\n\ndata: third\n\n")), nil)
	events, err := readAll(t, r)
	if err != io.EOF {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		got = append(got, string(ev.Data))
	}
	if strings.Join(got, ",") != "first,second,third" {
		t.Fatalf("retained data changed under later reads: %q", got)
	}
}

func TestReaderStampsEachEventWithTheReadThatCompletedIt(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	reads := 0
	clock := func() time.Time { reads++; return base.Add(time.Duration(reads) * time.Second) }
	stream := "data: a\n\n: c\ndata: b\r\n\r\n"
	r := NewReader(iotest.OneByteReader(strings.NewReader(stream)), clock)
	events, err := readAll(t, r)
	if err != io.EOF || len(events) != 2 {
		t.Fatalf("got %d events and %v", len(events), err)
	}
	// With one-byte reads, read k (1-based) delivers byte k-1 of the stream.
	wantA := strings.Index(stream, "\n\n") + 2
	wantB := strings.Index(stream, "\r\n\r") + 3
	for i, want := range []int{wantA, wantB} {
		if got := int(events[i].At.Sub(base) / time.Second); got != want {
			t.Errorf("event %d stamped by read %d, want read %d", i, got, want)
		}
	}
	if r.Comments() != 1 {
		t.Errorf("Comments() = %d, want 1", r.Comments())
	}
}

// stuckReader returns no bytes and no error forever, which io.Reader discourages.
type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

func TestReaderGivesUpOnAReaderThatMakesNoProgress(t *testing.T) {
	if _, err := NewReader(stuckReader{}, nil).Next(); err != io.ErrNoProgress {
		t.Fatalf("Next() = %v, want io.ErrNoProgress", err)
	}
}

func TestReaderReconnectionTime(t *testing.T) {
	r := NewReader(strings.NewReader("retry: 42\n\n"), nil)
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next() = %v, want io.EOF", err)
	}
	if d, ok := r.ReconnectionTime(); !ok || d != 42*time.Millisecond {
		t.Fatalf("ReconnectionTime() = %v, %v", d, ok)
	}
}
