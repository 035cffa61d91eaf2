package sse

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDecodedBodyGunzipsEachFlushedEventAsItArrives writes a gzip stream flushed after each
// event through a pipe: every event must be readable before the next is written, as a
// proxy that flushes its compressor per event delivers them.
func TestDecodedBodyGunzipsEachFlushedEventAsItArrives(t *testing.T) {
	pr, pw := io.Pipe()
	zw := gzip.NewWriter(pw)
	next := make(chan struct{})
	go func() {
		for i := range 3 {
			<-next
			io.WriteString(zw, "data: "+strings.Repeat("x", i+1)+"\n\n")
			zw.Flush()
		}
		zw.Close()
		pw.Close()
	}()
	next <- struct{}{}
	body, err := DecodedBody(http.Header{"Content-Encoding": {"gzip"}}, pr)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(body, nil)
	for i := range 3 {
		got := make(chan Event, 1)
		go func() { ev, _ := r.Next(); got <- ev }()
		select {
		case ev := <-got:
			if string(ev.Data) != strings.Repeat("x", i+1) {
				t.Fatalf("event %d = %q", i, ev.Data)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d was not readable after its flush: the decoder holds it back", i)
		}
		if i < 2 {
			next <- struct{}{}
		}
	}
}

func TestDecodedBodyRefusesAnUnknownEncoding(t *testing.T) {
	if _, err := DecodedBody(http.Header{"Content-Encoding": {"br"}}, strings.NewReader("")); err == nil || !strings.Contains(err.Error(), `"br"`) {
		t.Fatalf("error %v, want one naming br", err)
	}
	body := strings.NewReader("data: a\n\n")
	if got, err := DecodedBody(http.Header{}, body); err != nil || got != io.Reader(body) {
		t.Fatalf("an unencoded body was not passed through: %v", err)
	}
}
