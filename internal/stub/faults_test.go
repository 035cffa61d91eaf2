package stub

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestErrorRateOneAnswersOnlyErrors(t *testing.T) {
	cfg := zeroDelay()
	cfg.Faults.ErrorRate, cfg.Faults.ErrorStatus = 1, 503
	s := startStub(t, cfg)
	const n = 20
	for i := range n {
		body := chatBody
		if i%2 == 1 {
			body = `{"messages":[{"role":"user","content":"x"}]}` // not streaming: errors apply too
		}
		resp := s.post(t, t.Context(), body, nil)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 {
			t.Fatalf("request %d: status %d, want 503", i, resp.StatusCode)
		}
		checkErrorBody(t, raw, codeInjected, "injected", "")
	}
	if got := s.metric(t, "ssebench_stub_errors_injected_total"); got != n {
		t.Errorf("errors_injected_total %v, want %d", got, n)
	}
	if got := s.metric(t, "ssebench_stub_streams_started_total"); got != 0 {
		t.Errorf("streams_started_total %v, want 0", got)
	}
}

func TestErrorHeadersChooseStatusAndType(t *testing.T) {
	s := startStub(t, zeroDelay())
	resp := s.post(t, t.Context(), chatBody, map[string]string{HeaderErrorRate: "1", HeaderErrorStatus: "429"})
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Fatalf("status %d, want 429", resp.StatusCode)
	}
	var e errorBody
	decodeStrict(t, string(raw), &e)
	if e.Error.Type != typeRateLimitError {
		t.Errorf("type %q for 429, want %q", e.Error.Type, typeRateLimitError)
	}
}

// A seeded error rate is a fixed, reproducible share of requests.
func TestSeededErrorRateIsReproducibleAndProportional(t *testing.T) {
	s := startStub(t, zeroDelay())
	statuses := func() []int {
		var out []int
		for seed := range 200 {
			resp := s.post(t, t.Context(), chatBody, map[string]string{HeaderErrorRate: "0.5", HeaderSeed: strconv.Itoa(seed)})
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			out = append(out, resp.StatusCode)
		}
		return out
	}
	first, second := statuses(), statuses()
	errorsSeen := 0
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("seed %d: status %d then %d", i, first[i], second[i])
		}
		if first[i] == 500 {
			errorsSeen++
		}
	}
	if errorsSeen < 60 || errorsSeen > 140 {
		t.Errorf("%d of 200 seeded requests failed at rate 0.5", errorsSeen)
	}
}

func TestAbortAfterDropsConnectionWithoutDone(t *testing.T) {
	for _, tc := range []struct{ abortAfter, tokens, wantContent int }{
		{0, 8, 0}, {3, 8, 3}, {8, 8, 8}, {50, 8, 8},
	} {
		t.Run(strconv.Itoa(tc.abortAfter), func(t *testing.T) {
			s := startStub(t, zeroDelay())
			resp := s.post(t, t.Context(), chatBody, map[string]string{
				HeaderAbortAfter: strconv.Itoa(tc.abortAfter), HeaderTokens: strconv.Itoa(tc.tokens)})
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			events, err := readEvents(resp.Body)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("stream ended with %v, want an unexpected EOF", err)
			}
			if len(events) != 1+tc.wantContent {
				t.Errorf("%d events before the abort, want role + %d content", len(events), tc.wantContent)
			}
			for _, e := range events {
				if e.data == "[DONE]" {
					t.Fatal("aborted stream carried [DONE]")
				}
			}
			eventually(t, 5*time.Second, "fault abort counted", func() bool {
				return s.metric(t, "ssebench_stub_streams_fault_aborted_total") == 1
			})
			if got := s.metric(t, "ssebench_stub_streams_completed_total"); got != 0 {
				t.Errorf("completed_total %v after an abort", got)
			}
		})
	}
}

func TestAbortRateOneAbortsEveryStream(t *testing.T) {
	cfg := zeroDelay()
	cfg.Faults.AbortRate = 1
	s := startStub(t, cfg)
	const n = 10
	for i := range n {
		resp := s.post(t, t.Context(), chatBody, nil)
		events, err := readEvents(resp.Body)
		resp.Body.Close()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("stream %d ended with %v, want an unexpected EOF", i, err)
		}
		if n := len(events); n < 2 || n > 1+cfg.Shape.Tokens {
			t.Errorf("stream %d: %d events; an abort comes after at least one content chunk", i, n)
		}
	}
	eventually(t, 5*time.Second, "every abort counted", func() bool {
		return s.metric(t, "ssebench_stub_streams_fault_aborted_total") == n
	})
}

func TestStallPausesOnceMidStream(t *testing.T) {
	s := startStub(t, zeroDelay())
	resp := s.post(t, t.Context(), chatBody, map[string]string{HeaderTokens: "4", HeaderStall: "200ms"})
	defer resp.Body.Close()
	events, err := readEvents(resp.Body)
	if err != nil || len(events) != 7 {
		t.Fatalf("stream: %v, %d events", err, len(events))
	}
	// events: role, c0, c1, [stall], c2, c3, finish, [DONE]
	if gap := events[3].at.Sub(events[2].at); gap < 200*time.Millisecond {
		t.Errorf("gap at the middle %v, want ≥ 200ms", gap)
	}
	if got := s.metric(t, "ssebench_stub_stalls_total"); got != 1 {
		t.Errorf("stalls_total %v, want 1", got)
	}
}

func TestClientAbortIsCountedPromptly(t *testing.T) {
	s := startStub(t, zeroDelay())
	for _, tc := range []struct{ name, ttft, itd string }{
		{"waiting for the first token", "30s", "0s"},
		{"waiting between tokens", "0s", "30s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.metric(t, "ssebench_stub_streams_client_aborted_total")
			resp := s.post(t, t.Context(), chatBody, map[string]string{
				HeaderTimeToFirstToken: tc.ttft, HeaderInterTokenDelay: tc.itd})
			buf := make([]byte, 1)
			if _, err := resp.Body.Read(buf); err != nil { // the role chunk has arrived: the stream is waiting
				t.Fatal(err)
			}
			// Closing an unfinished body closes the connection.
			if err := resp.Body.Close(); err != nil {
				t.Fatal(err)
			}
			eventually(t, time.Second, "client abort counted within 1s", func() bool {
				return s.metric(t, "ssebench_stub_streams_client_aborted_total") == before+1
			})
			eventually(t, time.Second, "no stream left active", func() bool {
				return s.metric(t, "ssebench_stub_streams_active") == 0
			})
		})
	}
	if got := s.metric(t, "ssebench_stub_streams_completed_total"); got != 0 {
		t.Errorf("completed_total %v for abandoned streams", got)
	}
}
