package conformance_test

import (
	"bytes"
	"context"
	"mime"
	"net/http"
	"testing"
	"time"
)

// checkByteIdentical: the proxy relays the stub's body byte for byte (after de-chunking,
// so chunk boundaries do not matter), and an upstream error status with its body.
func (f *fixture) checkByteIdentical(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "1_byte_identical", figs)
	client := newClient(0)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	cases := []struct {
		name string
		h    shape
	}{
		{"stream", shape{"X-Stub-Seed": "42", "X-Stub-Tokens": "40", "X-Stub-Inter-Token-Delay": "1ms", "X-Stub-Jitter": "1ms"}},
		{"error status", shape{"X-Stub-Seed": "7", "X-Stub-Error-Rate": "1", "X-Stub-Error-Status": "503"}},
	}
	for _, c := range cases {
		wantStatus, wantHeader, want, err := fetch(client, f.newRequest(ctx, f.stubURL, c.h))
		if err != nil {
			t.Fatalf("%s: stub directly: %v", c.name, err)
		}
		status, header, got, err := fetch(client, f.newRequest(ctx, f.proxy.URL(), c.h))
		if err != nil {
			t.Fatalf("%s: through the proxy: %v", c.name, err)
		}
		if status != wantStatus {
			t.Errorf("%s: status %d through the proxy, %d from the stub", c.name, status, wantStatus)
		}
		if mediaType(header) != mediaType(wantHeader) {
			t.Errorf("%s: Content-Type %q through the proxy, %q from the stub", c.name, header.Get("Content-Type"), wantHeader.Get("Content-Type"))
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: body differs: %s", c.name, firstDifference(want, got))
		}
		figs[c.name+"_status"] = status
		figs[c.name+"_bytes"] = len(got)
	}
	if s, _ := figs["error status_status"].(int); s < 400 {
		t.Errorf("the stub answered %d to X-Stub-Error-Rate: 1; the error case checked nothing", s)
	}
	if n, _ := figs["stream_bytes"].(int); n == 0 {
		t.Error("the stub sent an empty stream; the stream case checked nothing")
	}
}

func mediaType(h http.Header) string {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return h.Get("Content-Type")
	}
	return mt
}

// checkStreams: events arrive as the stub sends them, not all at the end. The stub spreads
// ten tokens over 550 ms; a proxy that buffers delivers them within a few milliseconds of
// each other.
func (f *fixture) checkStreams(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "2_streams", figs)
	s, err := f.streamSpread(f.proxy.URL())
	if err != nil {
		t.Fatal(err)
	}
	if s.status != http.StatusOK || !s.done || s.readErr != nil {
		t.Fatalf("status %d, ended with [DONE]: %v, read error: %v, %d events", s.status, s.done, s.readErr, len(s.events))
	}
	if len(s.events) < 11 {
		t.Fatalf("%d events, want at least the 10 tokens and [DONE]", len(s.events))
	}
	first, last := s.events[0].At, s.events[len(s.events)-1].At
	figs["first_event_ms"] = ms(first.Sub(s.sent))
	figs["last_event_ms"] = ms(last.Sub(s.sent))
	figs["first_to_last_ms"] = ms(s.spread())
	figs["events"] = len(s.events)
	if s.spread() < minSpread {
		t.Errorf("the proxy %s: all %d events arrived at the end, within %v of each other, the last %v after the request (the stub spread them over 550ms; want ≥ %v between the first and the last)",
			bufferedCause, len(s.events), s.spread().Round(time.Millisecond), last.Sub(s.sent).Round(time.Millisecond), minSpread)
	}
}

const minSpread = 300 * time.Millisecond

// streamSpread reads one stream of ten tokens, 100 ms to the first and 50 ms apart.
func (f *fixture) streamSpread(base string) (stream, error) {
	client := newClient(0)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := shape{"X-Stub-Tokens": "10", "X-Stub-Time-To-First-Token": "100ms", "X-Stub-Inter-Token-Delay": "50ms"}
	return readStream(client, f.newRequest(ctx, base, h))
}

// spread is the time from the first event to the last.
func (s stream) spread() time.Duration {
	if len(s.events) == 0 {
		return 0
	}
	return s.events[len(s.events)-1].At.Sub(s.events[0].At)
}
