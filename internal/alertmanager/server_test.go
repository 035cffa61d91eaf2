package alertmanager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/promrun"
)

// startWithReceiver starts a real Alertmanager whose webhook is a Receiver in this test.
func startWithReceiver(t *testing.T) (*Server, *Receiver) {
	t.Helper()
	bin := RequireBinary(t)
	rcv := &Receiver{}
	hook := httptest.NewServer(rcv)
	t.Cleanup(hook.Close)
	base, err := DefaultConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "alertmanager.yml")
	if err := WriteConfig(base, cfg, hook.URL+"/alerts"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	am, err := Start(ctx, Options{Binary: bin, ConfigFile: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := am.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return am, rcv
}

func TestAlertPostedToAlertmanagerReachesTheWebhook(t *testing.T) {
	am, rcv := startWithReceiver(t)
	body := `[{"labels":{"alertname":"ThroughputRegression","server":"go-http","scenario":"baseline","testid":"t9"},
		"annotations":{"summary":"s"}}]`
	resp, err := http.Post(am.URL()+"/api/v2/alerts", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("posting an alert: %s", resp.Status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := rcv.Wait(ctx, Firing("ThroughputRegression"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Labels["testid"] != "t9" || a.Labels["server"] != "go-http" {
		t.Fatalf("labels lost on the way: %v", a.Labels)
	}
}

func TestStartFailsWithAnInvalidConfig(t *testing.T) {
	bin := RequireBinary(t)
	cfg := filepath.Join(t.TempDir(), "bad.yml")
	if err := os.WriteFile(cfg, []byte("route: {receiver: nowhere}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{Binary: bin, ConfigFile: cfg, ReadyTimeout: 30 * time.Second})
	if !errors.Is(err, proc.ErrExited) {
		t.Fatalf("want an error quoting alertmanager's exit, got %v", err)
	}
}

func TestWriteConfigRefusesAConfigWithoutTheExampleURL(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.yml")
	if err := os.WriteFile(src, []byte("route: {receiver: x}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteConfig(src, filepath.Join(dir, "b.yml"), "http://127.0.0.1:1/x"); err == nil || !strings.Contains(err.Error(), ExampleWebhookURL) {
		t.Fatalf("got %v", err)
	}
}

func TestReceiverRejectsWhatIsNotANotification(t *testing.T) {
	rec := httptest.NewRecorder()
	(&Receiver{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/alerts", strings.NewReader(`{"version":"3"}`)))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "version") {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
}

func TestAddToPrometheusConfigGivesAValidConfig(t *testing.T) {
	base, err := promrun.BaseConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := promrun.PrepareRunDir(t.TempDir(), base)
	if err != nil {
		t.Fatal(err)
	}
	if err := AddToPrometheusConfig(cfg, "127.0.0.1:9093"); err != nil {
		t.Fatal(err)
	}
	if err := AddToPrometheusConfig(cfg, "127.0.0.1:9093"); err == nil {
		t.Fatal("a second alerting section was accepted")
	}
	promtool := filepath.Join(filepath.Dir(promrun.RequireBinary(t)), "promtool")
	var out bytes.Buffer
	cmd := exec.Command(promtool, "check", "config", cfg)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out.String())
	}
	b, _ := os.ReadFile(cfg)
	if !strings.Contains(string(b), fmt.Sprintf("targets: [%q]", "127.0.0.1:9093")) {
		t.Fatalf("no alertmanager target in\n%s", b)
	}
}

func TestStartForRunWiresPrometheusToAlertmanager(t *testing.T) {
	RequireBinary(t)
	base, err := promrun.BaseConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	runDir := t.TempDir()
	promCfg, err := promrun.PrepareRunDir(runDir, base)
	if err != nil {
		t.Fatal(err)
	}
	rcv := &Receiver{}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	am, err := StartForRun(ctx, RunOptions{RunDir: runDir, PrometheusConfig: promCfg, WebhookURL: hook.URL + "/alerts"})
	if err != nil {
		t.Fatal(err)
	}
	defer am.Stop(context.Background())
	b, err := os.ReadFile(promCfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), am.Address()) {
		t.Fatalf("prometheus config does not name %s:\n%s", am.Address(), b)
	}
	amCfg, err := os.ReadFile(filepath.Join(runDir, "alertmanager", "alertmanager.yml"))
	if err != nil || !strings.Contains(string(amCfg), hook.URL+"/alerts") {
		t.Fatalf("run's alertmanager.yml lacks the webhook (%v)", err)
	}
}
