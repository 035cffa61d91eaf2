package servers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/proc"
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
		fmt.Fprintln(os.Stderr, "upstream: STUB_URL is not a URL")
		return 3
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("GET /env", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, os.Getenv("STUB_URL")+" "+os.Getenv("EXTRA"))
	})
	// A server configured by a file: it serves what its rendered config says, and its
	// health on the path the config names.
	if cfg := os.Getenv("CONFIG_FILE"); cfg != "" {
		data, err := os.ReadFile(cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 4
		}
		lines := strings.SplitN(string(data), "\n", 2)
		mux.HandleFunc("GET "+strings.TrimSpace(lines[0]), func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ready") })
		mux.HandleFunc("GET /config", func(w http.ResponseWriter, _ *http.Request) { w.Write(data) })
	}
	go func() {
		fmt.Fprintln(os.Stderr, http.ListenAndServe(os.Getenv("HOST")+":"+os.Getenv("PORT"), mux))
		os.Exit(1)
	}()
	<-sigs
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

func TestStartGivesTheContractAndWaitsUntilHealthy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := Start(ctx, t.TempDir(), selfServer(t, "serve"), StartOptions{StubURL: "http://127.0.0.1:1", Env: []string{"EXTRA=x"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(context.Background())
	if !strings.HasPrefix(p.URL(), "http://127.0.0.1:") {
		t.Fatalf("url %s", p.URL())
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/env", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := string(body); got != "http://127.0.0.1:1 x" {
		t.Fatalf("server saw STUB_URL and EXTRA as %q", got)
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatalf("clean SIGTERM exit reported as %v", err)
	}
}

func TestStartFailsFastWhenTheServerDies(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Start(ctx, t.TempDir(), selfServer(t, "die"), StartOptions{})
	if !errors.Is(err, proc.ErrExited) {
		t.Fatalf("got %v, want proc.ErrExited", err)
	}
	for _, want := range []string{"fake-die", "exit status 3", "STUB_URL is not a URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if ctx.Err() != nil {
		t.Fatal("waited for the whole deadline instead of failing fast")
	}
	if _, err := Start(ctx, "", Server{Name: "u", Unavailable: "no crates"}, StartOptions{}); err == nil || !strings.Contains(err.Error(), "no crates") {
		t.Fatalf("unavailable server started: %v", err)
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

// TestStartRendersTheConfigIntoAScratchFolder starts a server configured by a template: the
// template gets the start's PORT, HOST, STUB_URL, STUB_HOST and DIR, the command and env get
// ${CONFIG}, readiness is asked on the server's own health path, and the scratch folder is
// gone once the server has stopped.
func TestStartRendersTheConfigIntoAScratchFolder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root := t.TempDir()
	tmpl := "/ready-{{.PORT}}\nlisten {{.HOST}}:{{.PORT}}\nupstream {{.STUB_HOST}} ({{.STUB_URL}})\ndir {{.DIR}}\n"
	if err := os.WriteFile(root+"/gw.conf.tmpl", []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := selfServer(t, "serve")
	srv.Config = "gw.conf.tmpl"
	srv.Env = map[string]string{"CONFIG_FILE": "${CONFIG}"}
	// The health path depends on the port, so only a start that renders the template for
	// the port it picked becomes ready.
	srv.Health = "/config"
	p, err := Start(ctx, root, srv, StartOptions{StubURL: "http://127.0.0.1:18080"})
	if err != nil {
		t.Fatal(err)
	}
	port := strings.TrimPrefix(p.URL(), "http://127.0.0.1:")
	resp, err := http.Get(p.URL() + "/config")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	got := string(body)
	for _, want := range []string{"/ready-" + port + "\n", "listen 127.0.0.1:" + port, "upstream 127.0.0.1:18080 (http://127.0.0.1:18080)", "dir " + os.TempDir()} {
		if !strings.Contains(got, want) {
			t.Errorf("rendered config lacks %q:\n%s", want, got)
		}
	}
	dir := strings.TrimSpace(got[strings.Index(got, "dir ")+4:])
	if _, err := os.Stat(dir + "/gw.conf"); err != nil {
		t.Errorf("the rendered config is not in the scratch folder: %v", err)
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("scratch folder %s left behind after the stop (%v)", dir, err)
	}
}

func TestStartNamesABrokenTemplate(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(root+"/bad.tmpl", []byte("listen {{.PROT}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := selfServer(t, "serve")
	srv.Config = "bad.tmpl"
	_, err := Start(context.Background(), root, srv, StartOptions{})
	if err == nil || !strings.Contains(err.Error(), "bad.tmpl") || !strings.Contains(err.Error(), "PROT") {
		t.Fatalf("error %v, want one naming the template and the unknown key", err)
	}
}

func TestRequestHeadersExpandTheStubURL(t *testing.T) {
	s := Server{Headers: map[string]string{"x-portkey-custom-host": "${STUB_URL}/v1", "x-portkey-provider": "openai"}}
	h := s.RequestHeaders("http://127.0.0.1:18080")
	if h.Get("X-Portkey-Custom-Host") != "http://127.0.0.1:18080/v1" || h.Get("X-Portkey-Provider") != "openai" {
		t.Fatalf("headers %v", h)
	}
	if got := s.HeaderLine("http://stub:18080"); got != "X-Portkey-Custom-Host: http://stub:18080/v1; X-Portkey-Provider: openai" {
		t.Fatalf("header line %q", got)
	}
}
