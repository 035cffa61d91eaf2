package servers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the server under test: with SSEBENCH_FAKE_SERVER set it runs a
// tiny HTTP server in the mode named by that variable instead of the tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("SSEBENCH_FAKE_SERVER"); mode != "" {
		os.Exit(fakeServer(mode))
	}
	os.Exit(m.Run())
}

func fakeServer(mode string) int {
	if mode == "die" {
		fmt.Fprintln(os.Stderr, "listen: address already in use")
		return 3
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	l, err := net.Listen("tcp", os.Getenv("HOST")+":"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("GET /env", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, os.Getenv("STUB_URL")+" "+os.Getenv("EXTRA"))
	})
	go http.Serve(l, mux)
	for range sigs {
		if mode != "ignore-term" {
			return 0
		}
	}
	return 0
}

func selfServer(t *testing.T, mode string) Server {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSEBENCH_FAKE_SERVER", mode)
	return Server{Name: "fake-" + mode, Runtime: "Go", Framework: "test", Build: "true", Command: []string{exe}}
}

func startSelf(t *testing.T, mode string) *Process {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := Start(ctx, t.TempDir(), selfServer(t, mode), StartOptions{Port: port, StubURL: "http://127.0.0.1:1", Env: []string{"EXTRA=x"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.done })
	return p
}

func TestStartHealthyAndStop(t *testing.T) {
	p := startSelf(t, "serve")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	if p.PID() <= 0 || !strings.HasPrefix(p.URL(), "http://127.0.0.1:") {
		t.Fatalf("pid %d url %s", p.PID(), p.URL())
	}
	resp, err := http.Get(p.URL() + "/env")
	if err != nil {
		t.Fatal(err)
	}
	var body [64]byte
	n, _ := resp.Body.Read(body[:])
	resp.Body.Close()
	if got := string(body[:n]); got != "http://127.0.0.1:1 x" {
		t.Fatalf("server saw STUB_URL and EXTRA as %q", got)
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatalf("clean SIGTERM exit reported as %v", err)
	}
}

func TestWaitHealthyFailsFastWhenTheServerDies(t *testing.T) {
	p := startSelf(t, "die")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := p.WaitHealthy(ctx)
	if err == nil {
		t.Fatal("a dead server was reported healthy")
	}
	for _, want := range []string{"fake-die: exited before it was healthy", "exit status 3", "address already in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("waited for the whole deadline (%v) instead of failing fast", time.Since(start))
	}
}

func TestStopKillsAServerThatIgnoresSIGTERM(t *testing.T) {
	p := startSelf(t, "ignore-term")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer stopCancel()
	err := p.Stop(stopCtx)
	if !errors.Is(err, ErrKilled) {
		t.Fatalf("Stop returned %v, want ErrKilled", err)
	}
	select {
	case <-p.Exited():
	default:
		t.Fatal("process still running after Stop")
	}
}

func TestBuildItQuotesTheLastLines(t *testing.T) {
	s := Server{Name: "go-gin", Build: "echo compiling; echo 'main.go:3: undefined: x' >&2; exit 2", Command: []string{"x"}}
	err := s.BuildIt(context.Background(), t.TempDir(), nil)
	if err == nil {
		t.Fatal("failed build reported success")
	}
	want := "go-gin: build failed: exit status 2: compiling | main.go:3: undefined: x"
	if err.Error() != want {
		t.Fatalf("got %q\nwant %q", err, want)
	}
	var out strings.Builder
	ok := Server{Name: "ok", Build: "pwd", Command: []string{"x"}}
	dir := t.TempDir()
	if err := ok.BuildIt(context.Background(), dir, &out); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != dir {
		t.Fatalf("build ran in %q, want %q", out.String(), dir)
	}
	if err := (Server{Name: "u", Unavailable: "no crates"}).BuildIt(context.Background(), dir, nil); err == nil || !strings.Contains(err.Error(), "no crates") {
		t.Fatalf("unavailable server built: %v", err)
	}
}

func TestFreePort(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port %d from FreePort not usable: %v", port, err)
	}
	l.Close()
}
