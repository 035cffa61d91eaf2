package stub

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestStreamSequenceAndChunks(t *testing.T) {
	for _, includeUsage := range []bool{false, true} {
		t.Run("include_usage="+strconv.FormatBool(includeUsage), func(t *testing.T) {
			s := startStub(t, zeroDelay())
			body := `{"model":"gpt-test","messages":[{"role":"user","content":"say something"}],"stream":true}`
			if includeUsage {
				body = `{"model":"gpt-test","messages":[{"role":"user","content":"say something"}],"stream":true,"stream_options":{"include_usage":true}}`
			}
			resp := s.post(t, t.Context(), body, map[string]string{HeaderTokens: "5", HeaderTokenSize: "7"})
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": ""} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			events, err := readEvents(resp.Body)
			if err != nil {
				t.Fatalf("reading stream: %v", err)
			}
			wantEvents := 1 + 5 + 1 + 1 // role, content, finish, [DONE]
			if includeUsage {
				wantEvents++
			}
			if len(events) != wantEvents {
				t.Fatalf("got %d events, want %d", len(events), wantEvents)
			}
			if last := events[len(events)-1].data; last != "[DONE]" {
				t.Fatalf("last event %q, want [DONE]", last)
			}
			chunks := make([]chunk, len(events)-1)
			for i := range chunks {
				decodeStrict(t, events[i].data, &chunks[i])
			}
			checkCommonFields(t, chunks)
			checkRoleChunk(t, chunks[0])
			var text strings.Builder
			for _, c := range chunks[1:6] {
				if len(c.Choices) != 1 || c.Choices[0].Delta.Content == nil || c.Choices[0].FinishReason != nil {
					t.Fatalf("content chunk malformed: %+v", c)
				}
				content := *c.Choices[0].Delta.Content
				if len(content) != 7 {
					t.Errorf("content %q has %d characters, want 7 (X-Stub-Token-Size)", content, len(content))
				}
				text.WriteString(content)
			}
			if strings.Trim(text.String(), "abcdefghijklmnopqrstuvwxyz ") != "" || !strings.Contains(text.String(), " ") {
				t.Errorf("content %q is not words of lowercase letters", text.String())
			}
			finish := chunks[6]
			if len(finish.Choices) != 1 || finish.Choices[0].FinishReason == nil || *finish.Choices[0].FinishReason != "stop" ||
				finish.Choices[0].Delta.Content != nil || finish.Choices[0].Delta.Role != nil {
				t.Errorf("finish chunk malformed: %s", events[6].data)
			}
			if !strings.Contains(events[6].data, `"delta":{}`) {
				t.Errorf("finish chunk delta is not empty: %s", events[6].data)
			}
			if includeUsage {
				u := chunks[7]
				if len(u.Choices) != 0 || u.Usage == nil || u.Usage.CompletionTokens != 5 ||
					u.Usage.PromptTokens <= 0 || u.Usage.TotalTokens != u.Usage.PromptTokens+5 {
					t.Errorf("usage chunk malformed: %s", events[7].data)
				}
				if !strings.Contains(events[7].data, `"choices":[]`) {
					t.Errorf("usage chunk choices not an empty array: %s", events[7].data)
				}
				for i := range 7 {
					if !strings.Contains(events[i].data, `"usage":null`) {
						t.Errorf("event %d lacks usage:null while usage was requested: %s", i, events[i].data)
					}
				}
			} else if strings.Contains(events[6].data, "usage") {
				t.Errorf("usage present though not requested: %s", events[6].data)
			}
		})
	}
}

func checkCommonFields(t *testing.T, chunks []chunk) {
	t.Helper()
	first := chunks[0]
	if !strings.HasPrefix(first.ID, "chatcmpl-") || first.Created <= 0 || first.Model != "gpt-test" {
		t.Errorf("first chunk id/created/model wrong: %+v", first)
	}
	for i, c := range chunks {
		if c.Object != "chat.completion.chunk" || c.ID != first.ID || c.Created != first.Created || c.Model != first.Model {
			t.Errorf("chunk %d differs in object/id/created/model: %+v", i, c)
		}
	}
}

func checkRoleChunk(t *testing.T, c chunk) {
	t.Helper()
	if len(c.Choices) != 1 {
		t.Fatalf("role chunk has %d choices", len(c.Choices))
	}
	d := c.Choices[0].Delta
	if d.Role == nil || *d.Role != "assistant" || d.Content == nil || *d.Content != "" || c.Choices[0].FinishReason != nil {
		t.Errorf("role chunk malformed: %+v", c)
	}
}

func TestStreamEchoesModelEscapedAndDefaultsIt(t *testing.T) {
	s := startStub(t, zeroDelay())
	for _, tc := range []struct{ body, want string }{
		{`{"messages":[{"role":"user","content":"x"}],"stream":true}`, DefaultModel},
		{`{"model":"we\"ird\\mo\u0001del ü","messages":[{"role":"user","content":"x"}],"stream":true}`, "we\"ird\\mo\u0001del ü"},
	} {
		resp := s.post(t, t.Context(), tc.body, nil)
		events, err := readEvents(resp.Body)
		resp.Body.Close()
		if err != nil || len(events) < 2 {
			t.Fatalf("stream: %v, %d events", err, len(events))
		}
		var c chunk
		decodeStrict(t, events[0].data, &c)
		if c.Model != tc.want {
			t.Errorf("model %q, want %q", c.Model, tc.want)
		}
	}
}

func TestNonStreamingCompletion(t *testing.T) {
	s := startStub(t, zeroDelay())
	for _, body := range []string{
		`{"model":"m","messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"stream":false}`,
	} {
		resp := s.post(t, t.Context(), body, map[string]string{HeaderTokens: "6", HeaderTokenSize: "5"})
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("status %d, type %q, err %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
		var got struct {
			ID      string `json:"id"`
			Object  string `json:"object"`
			Created int64  `json:"created"`
			Model   string `json:"model"`
			Choices []struct {
				Message struct {
					Role    string `json:"role"`
					Content string `json:"content"`
				} `json:"message"`
				FinishReason string `json:"finish_reason"`
			} `json:"choices"`
			Usage usage `json:"usage"`
		}
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got.Object != "chat.completion" || got.Model != "m" || !strings.HasPrefix(got.ID, "chatcmpl-") || len(got.Choices) != 1 {
			t.Fatalf("completion malformed: %s", raw)
		}
		c := got.Choices[0]
		if c.Message.Role != "assistant" || len(c.Message.Content) != 30 || c.FinishReason != "stop" {
			t.Errorf("choice malformed (want 6×5 characters of content): %s", raw)
		}
		if got.Usage.CompletionTokens != 6 || got.Usage.TotalTokens != got.Usage.PromptTokens+6 {
			t.Errorf("usage wrong: %+v", got.Usage)
		}
	}
	if got := s.metric(t, "ssebench_stub_streams_started_total"); got != 0 {
		t.Errorf("non-streaming answers counted as streams: %v", got)
	}
}

func TestSeedMakesOutputByteIdentical(t *testing.T) {
	s := startStub(t, zeroDelay())
	body := `{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}}`
	get := func(headers map[string]string) string {
		resp := s.post(t, t.Context(), body, headers)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	seeded := map[string]string{HeaderSeed: "42", HeaderTokens: "20", HeaderJitter: "1ms"}
	a, b := get(seeded), get(seeded)
	if a != b {
		t.Fatalf("same seed, different bytes:\n%s\n---\n%s", a, b)
	}
	if !strings.HasSuffix(a, "data: [DONE]\n\n") {
		t.Fatalf("seeded stream incomplete: %q", a)
	}
	seeded[HeaderSeed] = "43"
	if c := get(seeded); c == a {
		t.Error("different seeds gave identical streams")
	}
	if u1, u2 := get(nil), get(nil); u1 == u2 {
		t.Error("unseeded streams are identical; id and words should be random")
	}
}

func TestStreamPacing(t *testing.T) {
	s := startStub(t, zeroDelay())
	start := time.Now()
	resp := s.post(t, t.Context(), chatBody, map[string]string{
		HeaderTokens: "5", HeaderTimeToFirstToken: "100ms", HeaderInterTokenDelay: "50ms"})
	defer resp.Body.Close()
	events, err := readEvents(resp.Body)
	if err != nil || len(events) != 8 {
		t.Fatalf("stream: %v, %d events", err, len(events))
	}
	firstContent, lastContent := events[1].at, events[5].at
	for i := 1; i < len(events); i++ {
		if events[i].at.Before(events[i-1].at) {
			t.Fatalf("event %d arrived before event %d", i, i-1)
		}
	}
	// Lower bounds only: a loaded machine may be slower, never faster.
	if ttft := firstContent.Sub(start); ttft < 100*time.Millisecond {
		t.Errorf("first content after %v, want ≥ 100ms", ttft)
	}
	if spread := lastContent.Sub(firstContent); spread < 150*time.Millisecond {
		t.Errorf("first and last content events %v apart, want ≥ 150ms (4 gaps of 50ms): the stream was not paced", spread)
	}
}

// TestStreamWritesOnceAnEvent counts the stub's socket writes for one stream:
// one for the header with the role event, one for each later event, and the
// chunked terminator rides with [DONE] instead of costing a write of its own.
func TestStreamWritesOnceAnEvent(t *testing.T) {
	h, err := NewHandler(zeroDelay(), prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	counting := &writeCountingListener{Listener: l}
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close()
	srv.Listener = counting
	srv.Start()
	defer srv.Close()

	body := `{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`
	resp, err := http.Post(srv.URL+PathChatCompletions, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body) // to the chunked terminator: every write has happened
	resp.Body.Close()
	if err != nil || !bytes.HasSuffix(got, doneEvent) {
		t.Fatalf("stream incomplete (%v): %q", err, got)
	}
	tokens := DefaultShape().Tokens
	// header+role, the content events, finish, usage, [DONE]+terminator
	want := int64(1 + tokens + 1 + 1 + 1)
	if n := counting.writes.Load(); n != want {
		t.Errorf("%d socket writes for a %d-token stream with usage, want %d", n, tokens, want)
	}
}

type writeCountingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *writeCountingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return writeCountingConn{Conn: c, writes: &l.writes}, nil
}

type writeCountingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c writeCountingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}
