package load

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// BenchmarkIteration is the load generator's cost per stream: one POST, a 20-event stream
// parsed incrementally, every metric and summary trend recorded. Run with -benchmem for
// allocations per stream.
func BenchmarkIteration(b *testing.B) {
	srv := streamServer(b)
	p, _ := prepareFor(b, srv.URL, http.Header{"X-Test-Events": {"20"}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if !p.it.run(ctx, time.Now(), noArrival) {
			b.Fatal("iteration interrupted")
		}
	}
	if failed := p.col.failedReqs.Load(); failed != 0 {
		b.Fatalf("%d failed requests", failed)
	}
	b.ReportMetric(float64(p.col.events.Load())/float64(p.col.requests.Load()), "events/stream")
}
