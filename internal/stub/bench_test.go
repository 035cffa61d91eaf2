package stub

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

var doneSuffix = []byte("data: [DONE]\n\n")

// BenchmarkStubStream streams whole default-shape streams (8 tokens) with
// zero delays through the handler over real loopback connections, client
// included: streams/s is an upper bound on what the stub can feed a proxy.
func BenchmarkStubStream(b *testing.B) {
	s := startStub(b, zeroDelay())
	oneStream := func(buf *bytes.Buffer) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, s.url+PathChatCompletions, strings.NewReader(chatBody))
		resp, err := s.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		_, err = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if err != nil || !bytes.HasSuffix(buf.Bytes(), doneSuffix) {
			b.Fatalf("stream incomplete: %v", err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		for b.Loop() {
			oneStream(&buf)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "streams/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		// 100 × GOMAXPROCS concurrent streams: 200 on two cores, the stress scenario's peak.
		b.SetParallelism(100)
		b.RunParallel(func(pb *testing.PB) {
			var buf bytes.Buffer
			for pb.Next() {
				oneStream(&buf)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "streams/s")
	})
}

// BenchmarkStubHandler runs the handler alone on an in-memory writer, so
// allocs/op is the stub's own allocation per stream, without net/http's. The
// two sizes show that cost is per request (decoding JSON), not per chunk.
func BenchmarkStubHandler(b *testing.B) {
	for _, tokens := range []int{8, 256} {
		b.Run("tokens="+strconv.Itoa(tokens), func(b *testing.B) {
			cfg := zeroDelay()
			cfg.Shape.Tokens = tokens
			benchHandler(b, cfg)
		})
	}
}

func benchHandler(b *testing.B, cfg Config) {
	h, err := NewHandler(cfg, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"model":"gpt-test","messages":[{"role":"user","content":"say something"}],"stream":true,"stream_options":{"include_usage":true}}`)
	rd := bytes.NewReader(body)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, PathChatCompletions, rd)
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		w.n = 0
		h.ServeHTTP(w, req)
		if w.status != http.StatusOK || w.n == 0 {
			b.Fatalf("status %d, %d bytes", w.status, w.n)
		}
	}
	b.ReportMetric(float64(w.n), "bytes/stream")
}

type discardWriter struct {
	header http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
func (w *discardWriter) Flush()                      {}
