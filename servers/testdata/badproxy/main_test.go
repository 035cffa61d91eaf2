package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/stub"
	"github.com/ssebench/ssebench/internal/stubrun"
)

// The binaries, built once for every test here: badproxy and the real stub, both without the
// race detector, so that the stub sends its streams at its own speed.
var badproxyBin, stubBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "badproxy-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		build := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator), ".", "github.com/ssebench/ssebench/stub/cmd/stub")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building badproxy and the stub: %v\n%s", err, out)
			return 1
		}
		badproxyBin, stubBin = filepath.Join(dir, "badproxy"), filepath.Join(dir, "stub")
		return m.Run()
	}()
	os.Exit(code)
}

const chatBody = `{"model":"gpt-test","messages":[{"role":"user","content":"say something"}],"stream":true}`

// testStub is the stub binary, started on a free port for one test.
type testStub struct {
	url string
}

func startStub(t *testing.T) *testStub {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	p, err := stubrun.Start(ctx, stubBin, nil, nil)
	if err != nil {
		t.Fatalf("starting the stub: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Errorf("stopping the stub: %v", err)
		}
	})
	return &testStub{url: p.URL()}
}

// metric reads one of the stub's series from its /metrics: a counter's or gauge's value, a
// histogram's count.
func (s *testStub) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := families[name]
	if !ok {
		t.Fatalf("the stub has no metric %s", name)
	}
	m := f.GetMetric()[0]
	return m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
}

func startBadproxy(t *testing.T, mode, upstream string) *proc.Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	p, err := proc.StartHTTP(ctx, "", "/healthz", func(addr string) proc.Spec {
		return proc.Spec{Name: "badproxy", Path: badproxyBin, Args: []string{"--listen", addr, "--mode", mode},
			Env: []string{"UPSTREAM_URL=" + upstream}}
	})
	if err != nil {
		t.Fatalf("starting badproxy --mode %s: %v", mode, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Errorf("stopping badproxy: %v", err)
		}
	})
	return p
}

// waitFor polls cond every 20 ms until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
	}
}

// TestClientLeaving: the client announces its close with X-Stub-Cancel-At and closes then,
// half a second before the stream's end. A proxy that propagates cancels has the stub see
// the abort; no-cancel has the stub send the stream to its end.
func TestClientLeaving(t *testing.T) {
	for _, mode := range []string{modeCorrect, modeNoCancel} {
		t.Run(mode, func(t *testing.T) {
			s := startStub(t)
			p := startBadproxy(t, mode, s.url)
			cancelAt := time.Now().Add(200 * time.Millisecond)
			ctx, cancel := context.WithDeadline(t.Context(), cancelAt)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL()+"/v1/chat/completions", strings.NewReader(chatBody))
			for k, v := range map[string]string{stub.HeaderTokens: "70", stub.HeaderInterTokenDelay: "10ms",
				stub.HeaderTimeToFirstToken: "0s", stub.HeaderCancelAt: strconv.FormatInt(cancelAt.UnixNano(), 10)} {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("the stream ended with %v before the client left", err)
			}
			resp.Body.Close()
			waitFor(t, 5*time.Second, "the stub's stream ended", func() bool {
				return s.metric(t, metricname.StubStreamsStarted) == 1 && s.metric(t, metricname.StubStreamsActive) == 0
			})
			completed, aborted := s.metric(t, metricname.StubStreamsCompleted), s.metric(t, metricname.StubStreamsClientAborted)
			propagated, missed := s.metric(t, metricname.StubCancelPropagation), s.metric(t, metricname.StubCancelsMissed)
			want := [4]float64{0, 1, 1, 0} // correct: aborted, the cancel timed
			if mode == modeNoCancel {
				want = [4]float64{1, 0, 0, 1} // completed, the cancel missed
			}
			if got := [4]float64{completed, aborted, propagated, missed}; got != want {
				t.Errorf("stub saw completed, client_aborted, cancel_propagation count, cancels_missed = %v, want %v", got, want)
			}
		})
	}
}

// The streams are about 12 MiB, not 2: on loopback the kernel grows the proxy's send buffer
// to tcp_wmem's maximum (4 MiB here) whatever the reader's window, so it would take a 2 MiB
// stream whole and leave nothing in the proxy's memory to tell the modes apart (measured:
// 3.5 MiB of growth in one run, 32 in the next, by the race between the proxy's two sides).
const (
	slowReaders = 20
	bigTokens   = "2900" // × 4 KiB tokens and their framing: about 12 MiB a stream
	bigToken    = "4096"
)

var bigStream = map[string]string{stub.HeaderTokens: bigTokens, stub.HeaderTokenSize: bigToken,
	stub.HeaderTimeToFirstToken: "0s", stub.HeaderInterTokenDelay: "0s"}

// TestSlowReaders: 20 clients with a 4 KiB receive buffer ask for a 12 MiB stream each and
// never read. unbounded-buffer holds the streams in memory; correct holds a read buffer each
// and lets the sockets' buffers push back on the stub.
func TestSlowReaders(t *testing.T) {
	for _, mode := range []string{modeUnbounded, modeCorrect} {
		t.Run(mode, func(t *testing.T) {
			s := startStub(t)
			size := streamSize(t, s.url)
			all := float64(slowReaders * size)
			p := startBadproxy(t, mode, s.url)
			streamSize(t, p.URL()) // warms the proxy up: its first stream's allocations are not growth
			before, done := vmRSS(t, p.PID()), s.metric(t, metricname.StubStreamsCompleted)
			for range slowReaders {
				neverRead(t, p.URL())
			}
			peak := before
			sample := func() { peak = max(peak, vmRSS(t, p.PID())) }
			if mode == modeUnbounded {
				waitFor(t, 15*time.Second, "the stub sent every stream", func() bool {
					sample()
					return s.metric(t, metricname.StubStreamsCompleted) == done+slowReaders
				})
			} else {
				waitSteady(t, s, sample)
			}
			sample()
			growth := float64(peak - before)
			t.Logf("%s: RSS %d → %d MiB (+%.1f MiB) for %d readers × %.2f MiB", mode, before>>20, peak>>20, growth/(1<<20), slowReaders, float64(size)/(1<<20))
			if mode == modeUnbounded && growth < all/2 {
				t.Errorf("RSS grew by %.1f MiB, want at least half of %.1f MiB", growth/(1<<20), all/(1<<20))
			}
			if mode == modeCorrect && growth > all/4 {
				t.Errorf("RSS grew by %.1f MiB, want at most a quarter of %.1f MiB", growth/(1<<20), all/(1<<20))
			}
		})
	}
}

// streamSize reads one big stream whole and returns its bytes.
func streamSize(t *testing.T, base string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/v1/chat/completions", strings.NewReader(chatBody))
	for k, v := range bigStream {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("big stream: status %d, %d bytes, %v", resp.StatusCode, n, err)
	}
	return int(n)
}

// neverRead asks base for a big stream on a socket with a small receive buffer, set before
// the connection so that the window it advertises stays small, and never reads it.
func neverRead(t *testing.T, base string) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	addr := strings.TrimPrefix(base, "http://")
	conn, err := d.DialContext(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var head strings.Builder
	fmt.Fprintf(&head, "POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", addr, len(chatBody))
	for k, v := range bigStream {
		fmt.Fprintf(&head, "%s: %s\r\n", k, v)
	}
	if _, err := io.WriteString(conn, head.String()+"\r\n"+chatBody); err != nil {
		t.Fatal(err)
	}
}

// waitSteady samples until the stub has written no event for 500 ms: every pipe between it
// and the readers is full. Bounded by 10 s.
func waitSteady(t *testing.T, s *testStub, sample func()) {
	t.Helper()
	last, since := -1.0, time.Now()
	waitFor(t, 10*time.Second, "the stub's streams stalled on full buffers", func() bool {
		sample()
		if n := s.metric(t, metricname.StubStreamEvents); n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) > 500*time.Millisecond
	})
}

// vmRSS is the process's resident set size in bytes, from /proc/<pid>/status.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", line, err)
			}
			return kib << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
