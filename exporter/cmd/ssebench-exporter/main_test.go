package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/lockedbuf"
	"github.com/ssebench/ssebench/internal/version"
)

// mainEnv makes the test binary run as the exporter itself, so the tests drive the real
// program (signals, listener, shutdown) without building it separately.
const mainEnv = "SSEBENCH_EXPORTER_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(run(os.Args[1:], cli.OS()))
	}
	os.Exit(m.Run())
}

type exporterProc struct {
	cmd    *exec.Cmd
	url    string
	stderr *lockedbuf.Buffer
	done   chan error
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startExporter runs the exporter and waits until /-/healthy answers.
func startExporter(t *testing.T, args ...string) *exporterProc {
	t.Helper()
	port := freePort(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args = append([]string{"--web.listen-address=127.0.0.1:" + strconv.Itoa(port)}, args...)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	p := &exporterProc{cmd: cmd, url: "http://127.0.0.1:" + strconv.Itoa(port), stderr: &lockedbuf.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := get(t, p.url+"/-/healthy"); code == http.StatusOK {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("exporter not healthy within 30 s; log:\n%s", p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return do(t, http.MethodGet, url)
}

func do(t *testing.T, method, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// metric returns the value of one unlabelled series from /metrics.
func metric(t *testing.T, p *exporterProc, name string) float64 {
	t.Helper()
	code, body := get(t, p.url+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s not in /metrics", name)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// waitMetric polls until the series has the wanted value.
func waitMetric(t *testing.T, p *exporterProc, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for metric(t, p, name) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s never became %v; log:\n%s", name, want, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func writeConfig(t *testing.T, path string, servers ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("targets:\n")
	for _, s := range servers {
		fmt.Fprintf(&b, "  - server: %s\n    comm: %s\n", s, s)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReloadOnSIGHUPAndPOST(t *testing.T) {
	path := filepath.Join(t.TempDir(), "exporter.yaml")
	writeConfig(t, path, "one")
	p := startExporter(t, "--config.file="+path, "--target=flagged:comm=flagged")
	if v := metric(t, p, "ssebench_exporter_targets"); v != 2 {
		t.Fatalf("targets = %v, want the file's one plus the flag's one", v)
	}
	if v := metric(t, p, "ssebench_exporter_config_last_reload_successful"); v != 1 {
		t.Fatalf("reload successful = %v at start", v)
	}

	writeConfig(t, path, "one", "two")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, p, "ssebench_exporter_targets", 3)

	if err := os.WriteFile(path, []byte("targets:\n  - server: x\n    prot: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, body := do(t, http.MethodPost, p.url+"/-/reload")
	if code != http.StatusInternalServerError || !strings.Contains(body, "line 3") || !strings.Contains(body, "prot") {
		t.Errorf("bad config reload: %d %q, want 500 naming line 3 and the key", code, body)
	}
	if v := metric(t, p, "ssebench_exporter_config_last_reload_successful"); v != 0 {
		t.Errorf("reload successful = %v after a bad file", v)
	}
	if v := metric(t, p, "ssebench_exporter_targets"); v != 3 {
		t.Errorf("targets = %v: a bad file must keep the running config", v)
	}

	writeConfig(t, path, "one")
	if code, body := do(t, http.MethodPost, p.url+"/-/reload"); code != http.StatusOK {
		t.Errorf("good reload: %d %s", code, body)
	}
	if v := metric(t, p, "ssebench_exporter_config_last_reload_successful"); v != 1 {
		t.Errorf("reload successful = %v after fixing the file", v)
	}
	if code, _ := get(t, p.url+"/-/reload"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload = %d, want 405", code)
	}
	if code, body := get(t, p.url+"/"); code != http.StatusOK || !strings.Contains(body, "ssebench-exporter") || !strings.Contains(body, "/metrics") {
		t.Errorf("landing page: %d", code)
	}
	if code, body := get(t, p.url+"/probe"); code != http.StatusBadRequest || !strings.Contains(body, "target") {
		t.Errorf("/probe without target: %d %q", code, body)
	}
	stopGracefully(t, p)
}

func stopGracefully(t *testing.T, p *exporterProc) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		if err != nil {
			t.Errorf("exit after SIGTERM: %v; log:\n%s", err, p.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit within 20 s of SIGTERM; log:\n%s", p.stderr)
	}
}

// The exporter-toolkit web config protects every endpoint with basic auth.
func TestWebConfigBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(path, []byte("basic_auth_users:\n  prom: "+string(hash)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "--web.listen-address=127.0.0.1:"+strconv.Itoa(port), "--web.config.file="+path)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/metrics"
	deadline := time.Now().Add(30 * time.Second)
	var code int
	for code, _ = get(t, url); code == 0 && time.Now().Before(deadline); code, _ = get(t, url) {
		time.Sleep(50 * time.Millisecond)
	}
	if code != http.StatusUnauthorized {
		t.Fatalf("/metrics without credentials: %d, want 401", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.SetBasicAuth("prom", "s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics with credentials: %d", resp.StatusCode)
	}
}

func TestBadFlagsExitWithOneMessage(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		code    int
		mention string
	}{
		{"bad target", []string{"--target=nocolon"}, nil, 2, "-target"},
		{"unknown kind", []string{"--target=a:sock=1"}, nil, 2, "sock"},
		{"unknown flag", []string{"--web.listen-adress=:1"}, nil, 2, "web.listen-adress"},
		{"bad log level", []string{"--log.level=loud"}, nil, 2, "log.level"},
		{"bad log level in env", nil, map[string]string{"SSEBENCH_EXPORTER_LOG_LEVEL": "loud"}, 2, "loud"},
		{"bad target in env", nil, map[string]string{"SSEBENCH_EXPORTER_TARGET": "a:port=1\nnocolon"}, 2, "$SSEBENCH_EXPORTER_TARGET"},
		{"extra argument", []string{"stray"}, nil, 2, "stray"},
		{"relative telemetry path", []string{"--web.telemetry-path=metrics"}, nil, 2, "web.telemetry-path"},
		{"telemetry path over the probe", []string{"--web.telemetry-path=/probe"}, nil, 2, "/probe"},
		{"duplicate server", []string{"--target=a:comm=a", "--target=a:port=80"}, nil, 1, "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append(tc.args, "--web.listen-address=127.0.0.1:1"), cli.IO{Stdout: &stdout, Stderr: &stderr, LookupEnv: cli.MapEnv(tc.env)})
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr.String())
			}
			if strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), tc.mention) {
				t.Errorf("stderr %q: want one line naming %q", stderr.String(), tc.mention)
			}
		})
	}
}

func TestHelpAndVersionOnStdout(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"--version"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, cli.IO{Stdout: &stdout, Stderr: &stderr, LookupEnv: cli.MapEnv(nil)})
		want := "Examples:"
		if args[0] == "--version" {
			want = "ssebench-exporter " + version.String()
		}
		if code != 0 || stderr.Len() > 0 || !strings.Contains(stdout.String(), want) {
			t.Errorf("%v: exit %d, stderr %q, stdout lacks %q:\n%s", args, code, stderr.String(), want, stdout.String())
		}
	}
}

// TestBuildInfoAndTelemetryFlags: node_exporter's habits. build_info carries the version
// --version prints; the metrics move to --web.telemetry-path; the exporter's own metrics go
// with --web.disable-exporter-metrics and stay by default.
func TestBuildInfoAndTelemetryFlags(t *testing.T) {
	wantInfo := `ssebench_exporter_build_info{goversion="` + runtime.Version() + `",version="` + version.String() + `"} 1`
	p := startExporter(t, "--web.telemetry-path=/m", "--web.disable-exporter-metrics")
	code, body := get(t, p.url+"/m")
	if code != http.StatusOK || !strings.Contains(body, wantInfo) {
		t.Fatalf("/m: %d, want %s in:\n%s", code, wantInfo, body)
	}
	for _, own := range []string{"go_goroutines", "process_cpu_seconds_total", "promhttp_metric_handler_requests_total"} {
		if strings.Contains(body, own) {
			t.Errorf("%s served with --web.disable-exporter-metrics", own)
		}
	}
	if code, body := get(t, p.url+"/metrics"); code == http.StatusOK && strings.Contains(body, "build_info") {
		t.Error("/metrics still serves the metrics after --web.telemetry-path=/m")
	}

	def := startExporter(t)
	_, body = get(t, def.url+"/metrics")
	for _, want := range []string{wantInfo, "go_goroutines", "process_cpu_seconds_total", "promhttp_metric_handler_requests_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics by default lacks %s", want)
		}
	}
}

func TestTargetsFromEnvironment(t *testing.T) {
	env := cli.MapEnv(map[string]string{"SSEBENCH_EXPORTER_TARGET": "a:port=8080\n b:comm=b \n"})
	o, _, err := parseFlags(nil, env)
	if err != nil || len(o.targets) != 2 || o.targets[0].Port != 8080 || o.targets[1].Comm != "b" {
		t.Fatalf("%v %+v", err, o.targets)
	}
	if o.listenAddress != DefaultListenAddress {
		t.Errorf("listen address %q", o.listenAddress)
	}
}

// The built-in chat module reaches the endpoint through the real binary's /probe.
func TestProbeEndpointWithBuiltInModule(t *testing.T) {
	sse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("X-Stub-Tokens") != "10" {
			http.Error(w, "want the chat module's POST with its X-Stub-* headers", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 10; i++ {
			time.Sleep(20 * time.Millisecond)
			fmt.Fprintf(w, "data: {\"token\":%d}\n\n", i)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer sse.Close()
	p := startExporter(t)
	code, body := get(t, p.url+"/probe?module=chat&target="+url.QueryEscape(sse.URL+"/v1/chat/completions"))
	if code != http.StatusOK {
		t.Fatalf("/probe: %d %s", code, body)
	}
	for _, want := range []string{"probe_http_status_code 200", "probe_sse_events 11", "probe_sse_done 1", `probe_sse_failure{reason="status"} 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("/probe output lacks %q:\n%s", want, body)
		}
	}
}

// A module without allowed_targets may probe loopback only when the exporter
// listens on loopback only.
func TestLoopbackOnly(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:9877": true, "127.3.4.5:1": true, "[::1]:9877": true, "localhost:9877": true,
		"0.0.0.0:9877": false, ":9877": false, "[::]:9877": false, "10.0.0.2:9877": false,
		"exporter:9877": false, "nonsense": false,
	} {
		if got := loopbackOnly(addr); got != want {
			t.Errorf("loopbackOnly(%q) = %v, want %v", addr, got, want)
		}
	}
}
