package conformance_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"
)

// Check 3's stream: five tokens 2 ms apart, so every gap the stub makes is ≤ 2 ms.
const (
	keepAliveStreams = 1000
	keepAliveDelay   = 2 * time.Millisecond
	// gapAllowance is what a gap may add to the stub's delay. Nagle's algorithm holding a
	// small write until the client's delayed ACK adds about 40 ms.
	gapAllowance = 15 * time.Millisecond
	// A loaded machine stalls any process now and then, which is not what this check is
	// after: a proxy with Nagle on stalled 998 of 1,000 streams here, correct ones 2–11 %
	// while other builds and tests kept both cores busy. Fewer than half the streams may
	// show one long wait.
	maxStalledShare = 0.5
)

// checkKeepAliveGaps: 1,000 streams one after another on ONE keep-alive connection, with
// no wait longer than the stub's delay plus 15 ms — from the request to the first event, or
// between events. Nagle's algorithm on the proxy's accepted socket shows up exactly here:
// small writes on a warm connection wait for the client's delayed ACK, about 40 ms.
func (f *fixture) checkKeepAliveGaps(t testing.TB) {
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "3_keepalive_no_nagle", figs)
	k, err := f.measureKeepAlive(f.proxy.URL(), keepAliveStreams)
	k.figures(figs)
	if err != nil {
		t.Fatal(err)
	}
	if k.connections != 1 || k.reused != k.streams-1 {
		t.Errorf("%d connections, %d of %d requests reused one: the proxy does not keep the connection alive", k.connections, k.reused, k.streams)
	}
	if k.stalledTooOften() {
		t.Errorf("%d of %d streams had a wait over %v (largest %v, stream %d): small writes are held back (Nagle's algorithm?)",
			k.stalled, k.streams, k.limit, k.largest, k.worst)
	}
}

// keepAlive is what measureKeepAlive saw.
type keepAlive struct {
	streams, connections, reused, stalled, worst int
	limit, largest, meanGap, elapsed             time.Duration
}

func (k keepAlive) stalledTooOften() bool {
	return float64(k.stalled) >= maxStalledShare*float64(k.streams)
}

func (k keepAlive) figures(figs map[string]any) {
	figs["streams"] = k.streams
	figs["connections"] = k.connections
	figs["reused"] = k.reused
	figs["largest_gap_ms"] = ms(k.largest)
	figs["mean_gap_ms"] = ms(k.meanGap)
	figs["streams_over_limit"] = k.stalled
	figs["limit_ms"] = ms(k.limit)
	figs["elapsed_s"] = k.elapsed.Seconds()
}

// measureKeepAlive runs n short streams in a row on one connection and times every wait.
func (f *fixture) measureKeepAlive(base string, n int) (keepAlive, error) {
	client := newClient(1)
	defer client.CloseIdleConnections()
	k := keepAlive{streams: n, limit: keepAliveDelay + gapAllowance}
	h := shape{"X-Stub-Tokens": "5", "X-Stub-Time-To-First-Token": "2ms", "X-Stub-Inter-Token-Delay": "2ms"}
	conns := map[string]bool{}
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if info.Reused {
			k.reused++
		}
		conns[info.Conn.LocalAddr().String()] = true
	}}
	var sumGaps time.Duration
	gaps := 0
	started := time.Now()
	defer func() { k.elapsed = time.Since(started) }()
	for i := range n {
		ctx, cancel := context.WithTimeout(httptrace.WithClientTrace(context.Background(), trace), 30*time.Second)
		s, err := readStream(client, f.newRequest(ctx, base, h))
		cancel()
		k.connections = len(conns)
		if err != nil {
			return k, fmt.Errorf("stream %d: %w", i, err)
		}
		if s.status != http.StatusOK || !s.done || s.readErr != nil {
			return k, fmt.Errorf("stream %d: status %d, [DONE] %v, read error %v", i, s.status, s.done, s.readErr)
		}
		// The first wait runs from the request to the first event: Nagle's algorithm tends
		// to hold a stream back whole, so its events arrive late but together.
		streamMax := time.Duration(0)
		prev := s.sent
		for _, ev := range s.events {
			g := ev.At.Sub(prev)
			sumGaps += g
			gaps++
			streamMax = max(streamMax, g)
			prev = ev.At
		}
		if streamMax > k.limit {
			k.stalled++
		}
		if streamMax > k.largest {
			k.largest, k.worst = streamMax, i
		}
	}
	k.meanGap = sumGaps / time.Duration(max(gaps, 1))
	k.elapsed = time.Since(started)
	return k, nil
}

// checkConcurrent: 200 streams at once all complete with status 200 and [DONE].
func (f *fixture) checkConcurrent(t testing.TB) {
	const streams = 200
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "4_concurrent_200", figs)
	client := newClient(0)
	defer client.CloseIdleConnections()
	// Twenty tokens 10 ms apart: every stream is still open when the last one starts.
	h := shape{"X-Stub-Tokens": "20", "X-Stub-Time-To-First-Token": "10ms", "X-Stub-Inter-Token-Delay": "10ms"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		slowest  time.Duration
		start    = make(chan struct{})
	)
	for i := range streams {
		wg.Go(func() {
			<-start
			s, err := readStream(client, f.newRequest(ctx, f.proxy.URL(), h))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				failures = append(failures, fmt.Sprintf("stream %d: %v", i, err))
			case s.status != http.StatusOK || !s.done:
				failures = append(failures, fmt.Sprintf("stream %d: status %d, [DONE] %v, %d events, read error %v", i, s.status, s.done, len(s.events), s.readErr))
			default:
				slowest = max(slowest, time.Since(s.sent))
			}
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	figs["streams"] = streams
	figs["failed"] = len(failures)
	figs["elapsed_ms"] = ms(time.Since(began))
	figs["slowest_stream_ms"] = ms(slowest)
	if len(failures) > 0 {
		t.Errorf("%d of %d concurrent streams failed; first: %s", len(failures), streams, failures[0])
	}
}
