package stub

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/metricname"
)

const usageBody = `{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}}`

// streamedCount reads one stream and returns its content events, checked against the
// usage chunk's completion_tokens.
func streamedCount(t *testing.T, s *testStub, body string, headers map[string]string) int {
	t.Helper()
	resp := s.post(t, t.Context(), body, headers)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	events, err := readEvents(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	content, completion := 0, -1
	for _, e := range events {
		if e.data == "[DONE]" {
			continue
		}
		var c chunk
		decodeStrict(t, e.data, &c)
		if len(c.Choices) == 1 && c.Choices[0].Delta.Content != nil && *c.Choices[0].Delta.Content != "" {
			content++
		}
		if c.Usage != nil {
			completion = c.Usage.CompletionTokens
		}
	}
	if strings.Contains(body, "include_usage") && completion != content {
		t.Errorf("%d content events, usage says %d completion tokens", content, completion)
	}
	return content
}

// TestDrawnCountOverARealSocket: a stream with X-Stub-Tokens-Dist and X-Stub-Seed has the
// number of content events CountForSeed says (what a cancelling client relies on), and the metric observes each draw.
func TestDrawnCountOverARealSocket(t *testing.T) {
	s := startStub(t, zeroDelay())
	const spec = "lognormal:mean=40,sd=30"
	d := mustDist(t, spec)
	var counts []int
	sum := 0
	for seed := range uint64(8) {
		want := d.CountForSeed(seed)
		got := streamedCount(t, s, usageBody, map[string]string{HeaderTokensDist: spec, HeaderSeed: strconv.FormatUint(seed, 10)})
		if got != want {
			t.Errorf("seed %d: %d content events, want the %d drawn", seed, got, want)
		}
		counts = append(counts, got)
		sum += got
	}
	if slices.Min(counts) == slices.Max(counts) {
		t.Errorf("eight seeds drew the same count %d", counts[0])
	}
	n, gotSum := s.histogram(t, metricname.StubStreamTokens)
	if n != 8 || gotSum != float64(sum) {
		t.Errorf("%s: count %d, sum %v; want 8 draws summing to %d", metricname.StubStreamTokens, n, gotSum, sum)
	}
	// A fixed count is not a draw.
	streamedCount(t, s, usageBody, nil)
	if n, _ := s.histogram(t, metricname.StubStreamTokens); n != 8 {
		t.Errorf("a fixed-count stream was observed: count %d, want 8", n)
	}
}

func TestNamedHistogramByHeader(t *testing.T) {
	cfg := zeroDelay()
	cfg.TokensHistograms = &TokensHistograms{}
	if err := cfg.TokensHistograms.Load("chat", exampleHistogram); err != nil {
		t.Fatal(err)
	}
	s := startStub(t, cfg)
	d := cfg.TokensHistograms.byName["chat"]
	for seed := range uint64(3) {
		want := d.CountForSeed(seed)
		if got := streamedCount(t, s, usageBody, map[string]string{HeaderTokensDist: "histogram:chat", HeaderSeed: strconv.FormatUint(seed, 10)}); got != want {
			t.Errorf("seed %d: %d content events, want the %d drawn", seed, got, want)
		}
	}
}

// TestNonStreamingAnswerUsesTheDraw: a chat.completion's usage is the drawn count too.
func TestNonStreamingAnswerUsesTheDraw(t *testing.T) {
	s := startStub(t, zeroDelay())
	const spec = "lognormal:mean=40,sd=30"
	resp := s.post(t, t.Context(), `{"messages":[{"role":"user","content":"x"}]}`, map[string]string{HeaderTokensDist: spec, HeaderSeed: "9"})
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got struct {
		Usage usage `json:"usage"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if want := mustDist(t, spec).CountForSeed(9); got.Usage.CompletionTokens != want {
		t.Errorf("completion_tokens %d, want the %d drawn", got.Usage.CompletionTokens, want)
	}
}

func TestExplicitTokensWinOverADistribution(t *testing.T) {
	cfg := zeroDelay()
	cfg.Shape.TokensDist = mustDist(t, "lognormal:mean=40,sd=30")
	s := startStub(t, cfg)
	for _, headers := range []map[string]string{
		{HeaderTokens: "3"},
		{HeaderTokens: "3", HeaderTokensDist: "lognormal:mean=500,sd=1"},
	} {
		if got := streamedCount(t, s, usageBody, headers); got != 3 {
			t.Errorf("%v: %d content events, want 3", headers, got)
		}
	}
	if n, _ := s.histogram(t, metricname.StubStreamTokens); n != 0 {
		t.Errorf("%d draws observed, want none", n)
	}
	// The server's distribution applies without the header, and a profile replaces it.
	if got := streamedCount(t, s, usageBody, map[string]string{HeaderSeed: "4"}); got != cfg.Shape.TokensDist.CountForSeed(4) {
		t.Errorf("server distribution: %d content events, want %d", got, cfg.Shape.TokensDist.CountForSeed(4))
	}
	h := http.Header{}
	h.Set(HeaderProfile, ProfileRealistic)
	if p, err := parseOverrides(h, cfg); err != nil || p.Shape != RealisticShape() {
		t.Errorf("X-Stub-Profile: shape %+v, %v; want the realistic profile's fixed 256 tokens", p.Shape, err)
	}
	// A bad distribution is refused even beside X-Stub-Tokens.
	h = http.Header{}
	h.Set(HeaderTokens, "3")
	h.Set(HeaderTokensDist, "lognormal:mean=200")
	if _, err := parseOverrides(h, cfg); err == nil {
		t.Error("a malformed X-Stub-Tokens-Dist was accepted beside X-Stub-Tokens")
	}
}

func TestBadTokensDistHeaderIs400NamingThePart(t *testing.T) {
	s := startStub(t, zeroDelay())
	for _, tc := range []struct{ value, mention string }{
		{"normal:mean=200,sd=150", `unknown distribution \"normal\"`},
		{"lognormal:mean=-1,sd=150", "mean -1 out of range"},
		{"lognormal:mean=200", "sd missing"},
		{"histogram:/etc/passwd", "never a file"},
		{"histogram:chat", "none was loaded"},
	} {
		resp := s.post(t, t.Context(), chatBody, map[string]string{HeaderTokensDist: tc.value})
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%q: status %d, want 400", tc.value, resp.StatusCode)
		}
		checkErrorBody(t, raw, codeInvalidHeader, HeaderTokensDist, "")
		if !strings.Contains(string(raw), tc.mention) {
			t.Errorf("%q: %s; want it to mention %s", tc.value, raw, tc.mention)
		}
	}
}

// TestDrawnCountIsCappedByTheOutputLimit: every draw of lognormal:mean=100000,sd=0 is
// MaxTokens, far over what fits in MaxOutputBytes at these token sizes: the count is
// clamped to the most that fit, streaming or not, and the answer is a 200, not a 400.
func TestDrawnCountIsCappedByTheOutputLimit(t *testing.T) {
	for _, tc := range []struct {
		tokenSize int
		body      string
	}{
		{4096, usageBody},
		{1, usageBody},
		{4096, `{"messages":[{"role":"user","content":"x"}]}`},
	} {
		cfg := zeroDelay()
		cfg.Shape.TokenSize = tc.tokenSize
		cfg.Shape.TokensDist = mustDist(t, "lognormal:mean=100000,sd=0")
		reg := prometheus.NewRegistry()
		h, err := NewHandler(cfg, reg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		w := serve(h, tc.body, map[string]string{HeaderSeed: "1"})
		if w.status != http.StatusOK || w.n > MaxOutputBytes {
			t.Fatalf("token size %d: status %d, %d bytes; want 200 within %d", tc.tokenSize, w.status, w.n, MaxOutputBytes)
		}
		_, drawn := registryHistogram(t, reg, metricname.StubStreamTokens)
		if drawn >= MaxTokens || drawn < 1 {
			t.Fatalf("token size %d: %v tokens drawn; want fewer than %d", tc.tokenSize, drawn, MaxTokens)
		}
		// The most that fit: one token more, asked explicitly, is over the limit.
		more := serve(h, tc.body, map[string]string{HeaderSeed: "1", HeaderTokens: strconv.Itoa(int(drawn) + 1)})
		if more.status != http.StatusBadRequest {
			t.Errorf("token size %d: %v tokens drawn, but %v asked explicitly got status %d, not 400: the cap is not the most that fit",
				tc.tokenSize, drawn, drawn+1, more.status)
		}
		t.Logf("token size %d: capped at %v tokens, %d bytes", tc.tokenSize, drawn, w.n)
	}
}

func registryHistogram(t *testing.T, reg *prometheus.Registry, name string) (count uint64, sum float64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			h := f.GetMetric()[0].GetHistogram()
			return h.GetSampleCount(), h.GetSampleSum()
		}
	}
	t.Fatalf("histogram %s not registered", name)
	return 0, 0
}

// TestSameSeedSameCounts: X-Stub-Seed alone fixes the count (not the body), and --seed
// (Config.Seed) fixes the sequence of counts, and the bytes, of requests without one.
func TestSameSeedSameCounts(t *testing.T) {
	const spec = "lognormal:mean=40,sd=30"
	s := startStub(t, zeroDelay())
	headers := map[string]string{HeaderTokensDist: spec, HeaderSeed: "77"}
	a := streamedCount(t, s, usageBody, headers)
	b := streamedCount(t, s, `{"messages":[{"role":"user","content":"another question"}],"stream":true}`, headers)
	if a != b {
		t.Errorf("X-Stub-Seed 77: %d then %d tokens for two bodies; want the same count", a, b)
	}

	sequence := func(cfg Config) (counts []int, first string) {
		s := startStub(t, cfg)
		for i := range 20 {
			if i == 0 {
				resp := s.post(t, t.Context(), usageBody, nil)
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				first = string(raw)
				continue
			}
			counts = append(counts, streamedCount(t, s, usageBody, nil))
		}
		return counts, first
	}
	seeded := func(seed uint64) Config {
		cfg := zeroDelay()
		cfg.Shape.TokensDist = mustDist(t, spec)
		cfg.Seed, cfg.Seeded = seed, true
		return cfg
	}
	c1, f1 := sequence(seeded(11))
	c2, f2 := sequence(seeded(11))
	c3, _ := sequence(seeded(12))
	if !slices.Equal(c1, c2) || f1 != f2 {
		t.Errorf("--seed 11 twice: counts %v and %v (first streams identical: %v); want the same", c1, c2, f1 == f2)
	}
	if slices.Equal(c1, c3) {
		t.Errorf("--seed 11 and 12 drew the same counts %v", c1)
	}
	unseeded := seeded(0)
	unseeded.Seeded = false
	u1, _ := sequence(unseeded)
	u2, _ := sequence(unseeded)
	if slices.Equal(u1, u2) {
		t.Errorf("without a seed two runs drew the same counts %v", u1)
	}
}
