package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/procfs"

	"github.com/ssebench/ssebench/internal/benchtest"
	"github.com/ssebench/ssebench/internal/lockedbuf"
	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/stub"
)

const chatBody = `{"model":"ssebench-stub","stream":true,"messages":[{"role":"user","content":"Relay this stream, byte for byte."}]}`

// TestHandicapRelaysTheSameStreamsAtAHigherCPUCost runs the built proxy in front of the
// in-process stub twice, with HANDICAP_WORK=0 and =1000, and checks for each that every
// stream comes through byte for byte as the stub sends it (status, Content-Type, every
// event in order, data: [DONE] last), that the proxy counted exactly the events relayed,
// and that the handicapped one spent at least 100 ms (10 clock ticks) more CPU over the
// same streams: 1000 units × 11 events × 200 streams is about 330 ms at 148 ns a unit.
func TestHandicapRelaysTheSameStreamsAtAHigherCPUCost(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the proxy's CPU time from /proc")
	}
	stubURL := benchtest.StartStub(t)
	bin := buildProxy(t)
	const warm, streams = 10, 200

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// What the stub itself sends for each seed: the proxy must relay exactly this.
	want := make([]response, warm+streams)
	for i := range want {
		want[i] = post(ctx, t, client, stubURL, i)
	}
	perStream := bytes.Count(want[0].body, []byte("\n\n"))
	if !bytes.HasSuffix(want[0].body, []byte("data: [DONE]\n\n")) || perStream < 3 || want[0].status != 200 {
		t.Fatalf("the stub's own stream is not a complete one (%d, %d events):\n%s", want[0].status, perStream, want[0].body)
	}

	cpu := map[int]float64{}
	for _, units := range []int{0, 1000} {
		var stderr lockedbuf.Buffer
		p := startProxy(t, bin, stubURL, units, &stderr)
		for i := range warm + streams {
			if i == warm {
				cpu[units] = -cpuSeconds(t, p.PID())
			}
			got := post(ctx, t, client, p.URL(), i)
			if got.status != want[i].status || got.contentType != want[i].contentType || !bytes.Equal(got.body, want[i].body) {
				t.Fatalf("HANDICAP_WORK=%d, stream %d: got %d %q, %d bytes; the stub sent %d %q, %d bytes\ngot:\n%s\nwant:\n%s",
					units, i, got.status, got.contentType, len(got.body), want[i].status, want[i].contentType, len(want[i].body), got.body, want[i].body)
			}
		}
		cpu[units] += cpuSeconds(t, p.PID())
		client.CloseIdleConnections()
		stopCtx, stopCancel := context.WithTimeout(ctx, 30*time.Second)
		err := p.Stop(stopCtx)
		stopCancel()
		if err != nil {
			t.Fatalf("HANDICAP_WORK=%d: SIGTERM: %v", units, err)
		}
		events, done := loggedCounts(t, stderr.String())
		if wantEvents := int64((warm + streams) * perStream); events != wantEvents || done != events*int64(units) {
			t.Errorf("HANDICAP_WORK=%d: the proxy counted %d events and did %d units; want %d events, %d units",
				units, events, done, wantEvents, wantEvents*int64(units))
		}
		t.Logf("HANDICAP_WORK=%d: %.0f ms of CPU for %d streams of %d events (%.0f µs a stream)",
			units, cpu[units]*1000, streams, perStream, cpu[units]/streams*1e6)
	}
	if extra := cpu[1000] - cpu[0]; extra < 0.100 {
		t.Errorf("HANDICAP_WORK=1000 spent %.0f ms more CPU than HANDICAP_WORK=0 over %d streams; want at least 100 ms (about %.0f ms expected at 148 ns a unit)",
			extra*1000, streams, float64(streams*perStream*1000)*148e-9*1000)
	}
}

// TestEachReadIsFlushed checks the proxy does not buffer a stream: with 150 ms between
// tokens, the first content event reaches the client long before the stream ends.
func TestEachReadIsFlushed(t *testing.T) {
	stubURL := benchtest.StartStub(t)
	p := startProxy(t, buildProxy(t), stubURL, 0, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL()+"/v1/chat/completions", strings.NewReader(chatBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(stub.HeaderTokens, "3")
	req.Header.Set(stub.HeaderInterTokenDelay, "150ms")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var first time.Time
	var body []byte
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		body = append(body, buf[:n]...)
		if first.IsZero() && bytes.Contains(body, []byte(`"delta":{"content":"`)) {
			first = time.Now()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.HasSuffix(body, []byte("data: [DONE]\n\n")) {
		t.Fatalf("stream did not end with [DONE]:\n%s", body)
	}
	if gap := time.Since(first); gap < 200*time.Millisecond {
		t.Fatalf("first content event only %v before the end of a stream of 3 tokens 150 ms apart: buffered?", gap)
	}
}

func buildProxy(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "handicap")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startProxy(t *testing.T, bin, stubURL string, units int, stderr io.Writer) *proc.Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := servers.Server{Name: fmt.Sprintf("handicap-%d", units), Command: []string{bin}}
	p, err := servers.Start(ctx, t.TempDir(), s, servers.StartOptions{
		StubURL: stubURL, Env: []string{WorkEnv + "=" + strconv.Itoa(units)}, Stderr: stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // a no-op when the test stopped it already
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = p.Stop(ctx)
	})
	return p
}

type response struct {
	status      int
	contentType string
	body        []byte
}

func post(ctx context.Context, t *testing.T, client *http.Client, base string, seed int) response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/chat/completions", strings.NewReader(chatBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(stub.HeaderSeed, strconv.Itoa(seed+1))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s, seed %d: %v after %d bytes", base, seed+1, err, len(body))
	}
	return response{resp.StatusCode, resp.Header.Get("Content-Type"), body}
}

// cpuSeconds is the process's user and system CPU time so far, from /proc/PID/stat.
func cpuSeconds(t *testing.T, pid int) float64 {
	t.Helper()
	p, err := procfs.NewProc(pid)
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return st.CPUTime()
}

var stoppedLine = regexp.MustCompile(`msg=stopped events=(\d+) work_units=(\d+)`)

// loggedCounts reads the events and work units from the proxy's last log line.
func loggedCounts(t *testing.T, log string) (events, units int64) {
	t.Helper()
	m := stoppedLine.FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no stopped line in the proxy's log:\n%s", log)
	}
	events, _ = strconv.ParseInt(m[1], 10, 64)
	units, _ = strconv.ParseInt(m[2], 10, 64)
	return events, units
}
