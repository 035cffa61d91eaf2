package conformance_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkFDs: after 2,000 streams, 50 at a time, the proxy holds no more file descriptors
// than it did idle, give or take 10. The idle count is taken after a warm-up at the same
// concurrency, so that the proxy's upstream keep-alive pool is already grown: a pool is
// not a leak, one descriptor per stream is.
func (f *fixture) checkFDs(t testing.TB) {
	const (
		streams     = 2000
		concurrency = 50
		slack       = 10
	)
	figs := map[string]any{}
	defer report.record(t, f.server.Name, "6_fds_return_to_idle", figs)
	pid := f.proxy.PID()
	if _, err := countFDs(pid); err != nil {
		t.Skipf("cannot count descriptors here: %v", err)
	}
	h := shape{"X-Stub-Tokens": "5", "X-Stub-Time-To-First-Token": "1ms", "X-Stub-Inter-Token-Delay": "1ms"}

	warm := newClient(0)
	if failed := f.runStreams(f.proxy.URL(), warm, h, 4*concurrency, concurrency, nil); failed != "" {
		t.Fatalf("warm-up: %s", failed)
	}
	warm.CloseIdleConnections()
	idle := settledFDs(t, pid)

	client := newClient(0)
	var peak atomic.Int64
	failed := f.runStreams(f.proxy.URL(), client, h, streams, concurrency, func() {
		if n, err := countFDs(pid); err == nil && int64(n) > peak.Load() {
			peak.Store(int64(n))
		}
	})
	client.CloseIdleConnections()
	if failed != "" {
		t.Fatal(failed)
	}

	deadline := time.Now().Add(15 * time.Second)
	after, err := countFDs(pid)
	for err == nil && after > idle+slack && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		after, err = countFDs(pid)
	}
	if err != nil {
		t.Fatal(err)
	}
	if after <= idle+slack {
		after = settledFDs(t, pid) // the figure to quote is where it comes to rest
	}
	figs["streams"] = streams
	figs["fds_idle"] = idle
	figs["fds_peak"] = peak.Load()
	figs["fds_after"] = after
	if after > idle+slack {
		t.Errorf("%d descriptors open 15s after %d streams, %d when idle: the proxy leaks (peak %d)", after, streams, idle, peak.Load())
	}
}

// runStreams runs n streams, concurrency at a time, and describes the first failure ("" if
// none). sample, when set, runs every 20th stream.
func (f *fixture) runStreams(base string, client *http.Client, h shape, n, concurrency int, sample func()) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var (
		next     atomic.Int64
		once     sync.Once
		firstErr string
		wg       sync.WaitGroup
	)
	fail := func(msg string) { once.Do(func() { firstErr = msg; cancel() }) }
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				s, err := readStream(client, f.newRequest(ctx, base, h))
				if err != nil {
					fail(fmt.Sprintf("stream %d: %v", i, err))
					return
				}
				if s.status != http.StatusOK || !s.done {
					fail(fmt.Sprintf("stream %d: status %d, [DONE] %v, read error %v", i, s.status, s.done, s.readErr))
					return
				}
				if sample != nil && i%20 == 0 {
					sample()
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

func countFDs(pid int) (int, error) {
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	return len(entries), err
}

// settledFDs waits until the descriptor count holds still for a quarter second: closed
// client connections take a moment to be noticed by the server.
func settledFDs(t testing.TB, pid int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last, same := -1, 0
	for time.Now().Before(deadline) {
		n, err := countFDs(pid)
		if err != nil {
			t.Fatal(err)
		}
		if n == last {
			same++
		} else {
			last, same = n, 0
		}
		if same >= 5 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return last
}
