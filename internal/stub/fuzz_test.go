package stub

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzOverrides: whatever X-Stub-* headers arrive, parseOverrides either
// returns a shape and faults that validate, or an error naming an X-Stub-*
// header; it never panics.
func FuzzOverrides(f *testing.F) {
	f.Add(HeaderTokens, "10", HeaderTokenSize, "4096")
	f.Add(HeaderProfile, "realistic", HeaderJitter, "3ms")
	f.Add(HeaderSeed, "18446744073709551615", HeaderErrorRate, "0.5")
	f.Add(HeaderAbortAfter, "-1", HeaderStall, "10m")
	f.Add(HeaderTokensDist, "lognormal:mean=200,sd=150", HeaderTokens, "3")
	f.Add("X-Stub-Tokns", "5", HeaderErrorStatus, "599")
	for _, c := range overrideHeaderCases() {
		f.Add(c.header, c.value, HeaderTokens, "1")
	}
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		h := http.Header{}
		h.Add(n1, v1)
		h.Add(n2, v2)
		p, err := parseOverrides(h, DefaultConfig())
		if err != nil {
			var he *headerError
			if !errors.As(err, &he) || !strings.HasPrefix(he.header, headerPrefix) {
				t.Fatalf("error %v does not name an X-Stub-* header", err)
			}
			return
		}
		if err := p.Shape.Validate(); err != nil && !strings.Contains(err.Error(), "output limit") {
			t.Fatalf("accepted %s=%q %s=%q but the shape is out of range: %v", n1, v1, n2, v2, err)
		}
		if err := p.Faults.Validate(); err != nil {
			t.Fatalf("accepted %s=%q %s=%q but the faults are out of range: %v", n1, v1, n2, v2, err)
		}
	})
}

// FuzzRequest sends any body with any two X-Stub-* headers through the
// handler: the answer is a stream within MaxOutputBytes, or an OpenAI error;
// never a panic other than the injected abort, never more than the limit.
func FuzzRequest(f *testing.F) {
	f.Add([]byte(chatBody), HeaderTokens, "3", HeaderTokenSize, "5")
	f.Add([]byte(`{"messages":[{"role":"user","content":"x"}]}`), HeaderTokens, "3000", HeaderTokenSize, "4096")
	f.Add([]byte(`{"messages":[{}],"stream":true,"stream_options":{"include_usage":true}}`), HeaderSeed, "1", HeaderAbortAfter, "2")
	f.Add([]byte(`{"model":"`+strings.Repeat("m", MaxModelBytes+1)+`","messages":[{}]}`), HeaderTokens, "1", HeaderErrorRate, "1")
	f.Add([]byte(`{"messages":[{}],"stream":true}`), HeaderTokens, "100000", HeaderTokenSize, "4096")
	f.Add([]byte(`{"messages":[{}],"stream":true}`), HeaderTokensDist, "lognormal:mean=100000,sd=0", HeaderTokenSize, "4096")
	f.Add([]byte(`{"messages":[`), "X-Stub-Nope", "1", HeaderStall, "1ms")
	f.Add([]byte(`[1]`), HeaderProfile, "realistic", HeaderTimeToFirstToken, "0s")
	h := newTestHandler(f, zeroDelay())
	f.Fuzz(func(t *testing.T, body []byte, n1, v1, n2, v2 string) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, PathChatCompletions, strings.NewReader(string(body)))
		if strings.HasPrefix(http.CanonicalHeaderKey(n1), headerPrefix) {
			req.Header.Add(n1, v1)
		}
		if strings.HasPrefix(http.CanonicalHeaderKey(n2), headerPrefix) {
			req.Header.Add(n2, v2)
		}
		w := &recordingWriter{discardWriter: discardWriter{header: http.Header{}}}
		func() {
			defer func() {
				if r := recover(); r != nil && r != http.ErrAbortHandler {
					t.Fatalf("panic: %v", r)
				}
			}()
			h.ServeHTTP(w, req)
		}()
		if w.n > MaxOutputBytes {
			t.Fatalf("%d bytes answered, over the %d limit", w.n, MaxOutputBytes)
		}
		switch {
		case w.status == http.StatusOK:
		case w.status >= 400 && w.status <= 599:
			var e errorBody
			if err := json.Unmarshal(w.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("status %d with a body that is not an OpenAI error: %q", w.status, w.body)
			}
			if len(w.body) > 2048 {
				t.Fatalf("a %d-byte error body: an error must not echo the request at length", len(w.body))
			}
		case w.status == 0 && ctx.Err() != nil:
			// gave up waiting (a delay from the headers) before answering
		default:
			t.Fatalf("status %d", w.status)
		}
	})
}

// recordingWriter keeps the body of an error answer (bounded by the request's size).
type recordingWriter struct {
	discardWriter
	body []byte
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if w.status != http.StatusOK {
		w.body = append(w.body, p...)
	}
	return w.discardWriter.Write(p)
}
