package stub

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// testStub is the handler served on a real loopback socket.
type testStub struct {
	url    string
	reg    *prometheus.Registry
	client *http.Client
}

func startStub(t testing.TB, cfg Config) *testStub {
	t.Helper()
	reg := prometheus.NewRegistry()
	// The logger discards: handlers may still log after a test ends while a
	// cancelled stream unwinds.
	h, err := NewHandler(cfg, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	l, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	tr := &http.Transport{MaxIdleConnsPerHost: 512}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close() // waits for every handler to return
	})
	return &testStub{url: srv.URL, reg: reg, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// zeroDelay is the default shape without waiting, for tests about content.
func zeroDelay() Config {
	c := DefaultConfig()
	c.Shape.TimeToFirstToken, c.Shape.InterTokenDelay = 0, 0
	return c
}

const chatBody = `{"model":"gpt-test","messages":[{"role":"user","content":"say something"}],"stream":true}`

func (s *testStub) post(t testing.TB, ctx context.Context, body string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+PathChatCompletions, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	return resp
}

// metric sums every series of a family from the stub's registry.
func (s *testStub) metric(t testing.TB, name string) float64 {
	t.Helper()
	families, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		sum := 0.0
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
		return sum
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true within %v", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sseEvent is one dispatched event: its data and when its last line arrived.
type sseEvent struct {
	data string
	at   time.Time
}

// readEvents is a deliberately small SSE reader (data lines and blank-line
// dispatch only: all the stub writes). It returns the events read and the
// error that ended the body: nil for a clean end.
func readEvents(r io.Reader) ([]sseEvent, error) {
	br := bufio.NewReader(r)
	var events []sseEvent
	var data []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && line == "" && len(data) == 0 {
				return events, nil
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return events, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			events = append(events, sseEvent{strings.Join(data, "\n"), time.Now()})
			data = data[:0]
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		default:
			return events, errors.New("unexpected line " + line)
		}
	}
}

// chunk mirrors a chat.completion.chunk strictly: unknown fields fail decoding.
type chunk struct {
	ID                string `json:"id"`
	Object            string `json:"object"`
	Created           int64  `json:"created"`
	Model             string `json:"model"`
	SystemFingerprint string `json:"system_fingerprint"`
	Choices           []struct {
		Index int `json:"index"`
		Delta struct {
			Role    *string `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		Logprobs     any     `json:"logprobs"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func decodeStrict(t testing.TB, data string, into any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
}

// errorBody is the OpenAI error shape.
type errorBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    string  `json:"code"`
	} `json:"error"`
}
