package sse

import (
	"bytes"
	"io"
	"runtime"
	"testing"
	"time"
)

// benchChunks is the content chunks of one benchmark stream, a long completion.
const benchChunks = 1000

// BenchmarkParserFeed parses a realistic OpenAI chunk stream fed in 4 KiB reads,
// as a load generator reading a proxied response body would.
func BenchmarkParserFeed(b *testing.B) {
	stream := []byte(openAIStream(benchChunks))
	reads := chunked(stream, 4<<10)
	eventsPerStream := len(openAIPayloads(benchChunks))
	at := time.Now()
	events := 0
	count := func(*Event) { events++ }

	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		p := NewParser()
		for _, read := range reads {
			p.Feed(read, at, count)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if events != b.N*eventsPerStream {
		b.Fatalf("parsed %d events, want %d", events, b.N*eventsPerStream)
	}
	// Allocations per stream (NewParser's buffers) are spread over the stream's events.
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// BenchmarkReaderNext reads the same stream through Reader, which copies each event's Data.
func BenchmarkReaderNext(b *testing.B) {
	stream := []byte(openAIStream(benchChunks))
	eventsPerStream := len(openAIPayloads(benchChunks))
	at := time.Now()
	clock := func() time.Time { return at }
	events := 0

	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		r := NewReader(bytes.NewReader(stream), clock)
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
			events++
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if events != b.N*eventsPerStream {
		b.Fatalf("read %d events, want %d", events, b.N*eventsPerStream)
	}
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}
