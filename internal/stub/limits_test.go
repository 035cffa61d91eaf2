package stub

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestOutputCapAnswers400 asks for more output than MaxOutputBytes, streaming
// and not: both are refused with a 400 naming the limit before anything is
// generated, and no stream starts.
func TestOutputCapAnswers400(t *testing.T) {
	s := startStub(t, zeroDelay())
	// 10,000 × 4,096 bytes of content: 41 MB, over the 16 MiB cap.
	headers := map[string]string{HeaderTokens: "10000", HeaderTokenSize: "4096"}
	for _, stream := range []bool{true, false} {
		t.Run("stream="+strconv.FormatBool(stream), func(t *testing.T) {
			body := `{"model":"m","messages":[{"role":"user","content":"x"}],"stream":` + strconv.FormatBool(stream) + `}`
			resp := s.post(t, t.Context(), body, headers)
			defer resp.Body.Close()
			raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d (%d bytes read), want 400 naming the output limit", resp.StatusCode, len(raw))
			}
			checkErrorBody(t, raw, codeOutputTooLarge, strconv.Itoa(MaxOutputBytes), "")
			if !strings.Contains(string(raw), HeaderTokens) || !strings.Contains(string(raw), HeaderTokenSize) {
				t.Errorf("error does not name the headers to change: %s", raw)
			}
		})
	}
	if got := s.metric(t, "ssebench_stub_streams_started_total"); got != 0 {
		t.Errorf("%v streams started by refused requests", got)
	}
}

// TestOutputCapCountsEveryByte: the limit is on the response's bytes, not only
// the content's, so a stream of many small tokens is judged by its whole size
// (about 200 bytes of JSON per chunk), and a stream just under the limit passes.
func TestOutputCapCountsEveryByte(t *testing.T) {
	h := newTestHandler(t, zeroDelay())
	chunk := streamBytesFor(t, h, 1, 1) - streamBytesFor(t, h, 0, 1)
	under := (MaxOutputBytes - 4096) / chunk
	over := MaxOutputBytes/chunk + 2
	for _, tc := range []struct {
		tokens int
		want   int
	}{{min(under, MaxTokens), http.StatusOK}, {over, http.StatusBadRequest}} {
		if tc.tokens > MaxTokens {
			t.Fatalf("%d tokens needed to pass the output limit, more than MaxTokens: the test cannot show the limit counts JSON bytes", tc.tokens)
		}
		w := serve(h, `{"messages":[{"role":"user","content":"x"}],"stream":true}`,
			map[string]string{HeaderTokens: strconv.Itoa(tc.tokens), HeaderTokenSize: "1"})
		if w.status != tc.want {
			t.Errorf("%d one-byte tokens (%d bytes a chunk): status %d, want %d", tc.tokens, chunk, w.status, tc.want)
		}
		if w.status == http.StatusOK && w.n > MaxOutputBytes {
			t.Errorf("a stream of %d bytes was let through, over the %d limit", w.n, MaxOutputBytes)
		}
	}
}

// TestNonStreamingAllocationBounded: a 12 MB non-streaming answer (under the
// cap) is written in pieces, so serving it allocates a small fraction of its
// size; before, the whole text was built, then copied into the body.
func TestNonStreamingAllocationBounded(t *testing.T) {
	h := newTestHandler(t, zeroDelay())
	headers := map[string]string{HeaderTokens: "3000", HeaderTokenSize: "4096", HeaderSeed: "7"}
	body := `{"messages":[{"role":"user","content":"x"}]}`
	serve(h, body, headers) // warm the pools
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w := serve(h, body, headers)
	runtime.ReadMemStats(&after)
	if w.status != http.StatusOK || w.n < 3000*4096 {
		t.Fatalf("status %d, %d bytes: want 200 and the whole content", w.status, w.n)
	}
	const bound = 2 << 20
	if got := after.TotalAlloc - before.TotalAlloc; got > bound {
		t.Errorf("one %d-byte answer allocated %d bytes, want at most %d", w.n, got, bound)
	}
	if cl := w.header.Get("Content-Length"); cl != strconv.Itoa(w.n) {
		t.Errorf("Content-Length %q, %d bytes written", cl, w.n)
	}
}

// TestModelNameCapped: a model name over MaxModelBytes is refused rather than
// echoed into every chunk.
func TestModelNameCapped(t *testing.T) {
	s := startStub(t, zeroDelay())
	for _, tc := range []struct {
		n    int
		want int
	}{{MaxModelBytes, http.StatusOK}, {MaxModelBytes + 1, http.StatusBadRequest}, {1 << 19, http.StatusBadRequest}} {
		body := `{"model":"` + strings.Repeat("m", tc.n) + `","messages":[{"role":"user","content":"x"}],"stream":true}`
		resp := s.post(t, t.Context(), body, nil)
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Fatalf("model of %d bytes: status %d, want %d (%d bytes answered)", tc.n, resp.StatusCode, tc.want, len(raw))
		}
		if tc.want == http.StatusBadRequest {
			checkErrorBody(t, raw, codeInvalidValue, strconv.Itoa(MaxModelBytes), "model")
		}
	}
}

// TestOversizedBuffersNotPooled: buffers grown past maxPooledBytes by one
// request are dropped, not kept for the next. (sync.Pool may drop any Put
// under the race detector, so the test tries several times.)
func TestOversizedBuffersNotPooled(t *testing.T) {
	for range 20 {
		big := bodyBuffers.Get().(*bytes.Buffer)
		big.Grow(MaxBodyBytes)
		putBodyBuffer(big)
		if got := bodyBuffers.Get().(*bytes.Buffer); got.Cap() > maxPooledBytes {
			t.Fatalf("a %d-byte body buffer came back from the pool (limit %d)", got.Cap(), maxPooledBytes)
		}
		st := getState()
		st.text = make([]byte, 0, 4*maxPooledBytes)
		st.enc.buf = make([]byte, 0, 4*maxPooledBytes)
		putState(st)
		if got := getState(); cap(got.text) > maxPooledBytes || cap(got.enc.buf) > maxPooledBytes {
			t.Fatalf("a stream state with %d/%d-byte buffers came back from the pool (limit %d)", cap(got.text), cap(got.enc.buf), maxPooledBytes)
		}
	}
}

func newTestHandler(t testing.TB, cfg Config) http.Handler {
	t.Helper()
	h, err := NewHandler(cfg, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// serve runs one request through h in memory, counting the answer's bytes without keeping them.
func serve(h http.Handler, body string, headers map[string]string) *discardWriter {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, PathChatCompletions, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := &discardWriter{header: http.Header{}}
	h.ServeHTTP(w, req)
	return w
}

func streamBytesFor(t *testing.T, h http.Handler, tokens, size int) int {
	t.Helper()
	w := serve(h, `{"messages":[{"role":"user","content":"x"}],"stream":true}`,
		map[string]string{HeaderTokens: strconv.Itoa(tokens), HeaderTokenSize: strconv.Itoa(size), HeaderSeed: "1"})
	if w.status != http.StatusOK {
		t.Fatalf("%d tokens of %d: status %d", tokens, size, w.status)
	}
	return w.n
}

// TestOutputBytesExact: the size the limit judges is the size served, for
// streams with and without usage and for non-streaming answers.
func TestOutputBytesExact(t *testing.T) {
	h := newTestHandler(t, zeroDelay())
	for _, body := range []string{
		`{"model":"m\u0001\"é","messages":[{"role":"user","content":"xyz"}],"stream":true}`,
		`{"messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}}`,
		`{"model":"q","messages":[{"role":"user","content":"hello there"}]}`,
	} {
		for _, tokens := range []int{0, 1, 37} {
			headers := map[string]string{HeaderTokens: strconv.Itoa(tokens), HeaderTokenSize: "9", HeaderSeed: "3"}
			w := serve(h, body, headers)
			hdr := http.Header{}
			for k, v := range headers {
				hdr.Set(k, v)
			}
			p, err := parseOverrides(hdr, zeroDelay())
			if err != nil {
				t.Fatal(err)
			}
			req := httptestRequest(body)
			cr, hash, err := readRequest(&discardWriter{header: http.Header{}}, req)
			if err != nil {
				t.Fatal(err)
			}
			st := getState()
			st.start(&p, &cr, hash)
			if got := st.outputBytes(&p, &cr); got != w.n || w.status != http.StatusOK {
				t.Errorf("%s, %d tokens: outputBytes %d, served %d bytes (status %d)", body, tokens, got, w.n, w.status)
			}
			putState(st)
		}
	}
}

func httptestRequest(body string) *http.Request {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, PathChatCompletions, strings.NewReader(body))
	return req
}
