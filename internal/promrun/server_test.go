package promrun

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/proc"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func startForTest(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.Binary = RequireBinary(t)
	s, err := Start(testContext(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

// waitFor polls a query until it returns a non-empty vector, or fails the test.
func waitFor(t *testing.T, c *Client, expr string) model.Vector {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		vec, err := c.QueryVector(testContext(t), expr, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(vec) > 0 {
			return vec
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed empty for 90s", expr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestBaseConfigScrapesFileSDTargetsAndSurvivesRestart(t *testing.T) {
	base, err := BaseConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	runDir := t.TempDir()
	cfg, err := PrepareRunDir(runDir, base)
	if err != nil {
		t.Fatal(err)
	}
	s := startForTest(t, Options{ConfigFile: cfg, DataDir: filepath.Join(runDir, "data")})
	c := s.Client()

	// Prometheus scraping itself stands in for the stub here.
	target := strings.TrimPrefix(s.URL(), "http://")
	if err := WriteTargets(runDir, "stub", []TargetGroup{{Targets: []string{target}, Labels: map[string]string{"role": "selftest"}}}); err != nil {
		t.Fatal(err)
	}
	before := waitFor(t, c, `up{job="stub",role="selftest"} == 1`)
	seenAt := before[0].Timestamp.Time()

	addr := s.URL()
	if err := s.Restart(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if s.URL() != addr {
		t.Fatalf("address changed across restart: %s -> %s", addr, s.URL())
	}
	// The sample scraped before the restart must come back from the WAL.
	vec, err := c.QueryVector(testContext(t), `up{job="stub",role="selftest"}`, seenAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(vec) != 1 || vec[0].Value != 1 {
		t.Fatalf("after restart, up at %v = %v, want one sample of 1", seenAt, vec)
	}
}

func TestBaseConfigRetainsFourHundredDays(t *testing.T) {
	base, err := BaseConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	runDir := t.TempDir()
	cfg, err := PrepareRunDir(runDir, base)
	if err != nil {
		t.Fatal(err)
	}
	s := startForTest(t, Options{ConfigFile: cfg})
	info, err := s.Client().API.Runtimeinfo(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.StorageRetention != "400d" {
		t.Fatalf("storage retention = %q, want 400d", info.StorageRetention)
	}
}

func TestReloadReportsInvalidConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(minimalConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startForTest(t, Options{ConfigFile: cfg})
	if err := s.Reload(testContext(t)); err != nil {
		t.Fatalf("reload of a valid config: %v", err)
	}
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := s.Reload(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "soon") {
		t.Fatalf("reload of an invalid config: err = %v, want Prometheus' complaint about \"soon\"", err)
	}
}

func TestStartFailsClearlyOnBadConfig(t *testing.T) {
	bin := RequireBinary(t)
	cfg := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("scrape_configs: [{job_name: 7, bogus: true}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(testContext(t), Options{Binary: bin, ConfigFile: cfg})
	if !errors.Is(err, proc.ErrExited) || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("err = %v, want an early-exit error quoting Prometheus' log", err)
	}
}

func TestMissingBinaryNamesTheFix(t *testing.T) {
	_, err := Start(testContext(t), Options{Binary: filepath.Join(t.TempDir(), "prometheus")})
	if err == nil || !strings.Contains(err.Error(), "run `make deps`") {
		t.Fatalf("err = %v, want a hint to run `make deps`", err)
	}
	t.Setenv(EnvBinary, filepath.Join(t.TempDir(), "nope"))
	if _, err := FindBinary(); err == nil || !strings.Contains(err.Error(), EnvBinary) {
		t.Fatalf("FindBinary with a bad $%s: err = %v", EnvBinary, err)
	}
}

func TestStopRemovesTemporaryDirectory(t *testing.T) {
	s, err := Start(testContext(t), Options{Binary: RequireBinary(t)})
	if err != nil {
		t.Fatal(err)
	}
	dataDir := s.DataDir()
	if _, err := os.Stat(dataDir); err != nil {
		t.Fatalf("data dir while running: %v", err)
	}
	if err := s.Stop(testContext(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Fatalf("temporary data dir still there after Stop: %v", err)
	}
}

func TestWriteTargetsRejectsBadNames(t *testing.T) {
	dir := t.TempDir()
	if _, err := PrepareRunDir(dir, t.TempDir()); err == nil {
		t.Fatal("PrepareRunDir without a base prometheus.yml: want an error")
	}
	if err := WriteTargets(dir, "../escape", nil); err == nil {
		t.Fatal("want an error for a target name with a path")
	}
	if err := WriteTargets(dir, "stub", []TargetGroup{{}}); err == nil {
		t.Fatal("want an error for a group without targets")
	}
}

func TestCheckReadyNamesWhatIsWrong(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	if err := CheckReady(testContext(t), "http://"+addr); err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Errorf("a closed port: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/-/ready" {
			t.Errorf("asked %s", r.URL.Path)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	if err := CheckReady(testContext(t), srv.URL); err == nil || !strings.Contains(err.Error(), "not ready: 503") {
		t.Errorf("a 503: %v", err)
	}
}
