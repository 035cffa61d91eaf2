package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles the stub command as a user would.
func buildBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the binary: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "stub")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary runs the stub on a kernel-chosen port and returns its base URL,
// read from its "listening" log line, so no port can be taken by a race.
func startBinary(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--listen-address", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{} // no inherited PORT/HOST/STUB_* from the environment
	logs := &logWriter{t: t, addr: make(chan string, 1)}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait also ends the goroutine copying stderr, so nothing logs after the test.
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	select {
	case a := <-logs.addr:
		return cmd, "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("the stub did not log its listening address within 30s")
	}
	return nil, ""
}

// logWriter relays the binary's log lines to the test log and picks out the
// address it listens on.
type logWriter struct {
	t    *testing.T
	mu   sync.Mutex
	buf  []byte
	addr chan string
	sent bool
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		line, rest, ok := bytes.Cut(w.buf, []byte("\n"))
		if !ok {
			return len(p), nil
		}
		w.t.Log("stub: " + string(line))
		if _, after, found := strings.Cut(string(line), "msg=listening address="); found && !w.sent {
			w.addr <- strings.Fields(after)[0]
			w.sent = true
		}
		w.buf = rest
	}
}

func TestBinaryServesAndShutsDownGracefully(t *testing.T) {
	bin := buildBinary(t)
	cmd, url := startBinary(t, bin)
	client := &http.Client{Timeout: 30 * time.Second}

	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not ready within 10s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	hc := exec.Command(bin, "--healthcheck", "--listen-address", strings.TrimPrefix(url, "http://"))
	hc.Env = []string{}
	if out, err := hc.CombinedOutput(); err != nil {
		t.Errorf("--healthcheck against a running stub: %v %s", err, out)
	}

	// A stream in flight when SIGTERM arrives is allowed to finish.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/v1/chat/completions",
		strings.NewReader(`{"messages":[{"role":"user","content":"x"}],"stream":true}`))
	req.Header.Set("X-Stub-Tokens", "3")
	req.Header.Set("X-Stub-Inter-Token-Delay", "200ms")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil { // the role chunk: the stream is in flight
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(br)
	if err != nil || !strings.HasSuffix(string(rest), "data: [DONE]\n\n") {
		t.Errorf("in-flight stream cut by shutdown: %v, %q", err, rest)
	}

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the stub did not exit within 20s of SIGTERM")
	}
}

func TestBinaryRejectsBadFlagWithExitTwo(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "--inter-token-delay", "soon")
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("exit %v, want status 2", err)
	}
	if !strings.Contains(string(out), "inter-token-delay") {
		t.Errorf("output %q does not name the flag", out)
	}
}
