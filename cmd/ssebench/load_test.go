package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ssebench/ssebench/internal/cli"
)

// sseTarget is a real streaming server on 127.0.0.1; it counts the requests that carried X-Probe.
func sseTarget(t *testing.T, probed *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Probe") == "yes" {
			probed.Add(1)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: {\"i\":%d}\n\n", i)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func tinyScenarios(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "scenarios.json")
	body := `{"scenarios":{"tiny":{"executor":"constant-vus","vus":2,"duration":"300ms","gracefulStop":"5s"}}}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// remoteWriteReceiver answers like a Prometheus receiver (or rejects with status), counting writes.
func remoteWriteReceiver(t *testing.T, status int, writes *atomic.Int64, userAgents chan<- string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writes.Add(1)
		select {
		case userAgents <- r.UserAgent():
		default:
		}
		if status == http.StatusNoContent {
			w.Header().Set("X-Prometheus-Remote-Write-Samples-Written", "1")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func runLoad(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	status = loadCommand(context.Background(), args, cli.IO{Stdout: &out, Stderr: &errb, LookupEnv: cli.MapEnv(nil)}, false)
	return status, out.String(), errb.String()
}

func TestLoadCommandRunsPushesAndWritesTheSummary(t *testing.T) {
	var probed, writes atomic.Int64
	target := sseTarget(t, &probed)
	agents := make(chan string, 1)
	rw := remoteWriteReceiver(t, http.StatusNoContent, &writes, agents)
	dir := t.TempDir()
	summaryPath, exportPath, csvPath := filepath.Join(dir, "summary.json"), filepath.Join(dir, "export.json"), filepath.Join(dir, "summary.csv")
	status, stdout, stderr := runLoad(t, "--target", target.URL, "--scenarios-file", tinyScenarios(t), "--scenario", "tiny",
		"--testid", "t-cli", "--header", "X-Probe: yes", "--summary-json", summaryPath, "--remote-write-url", rw.URL+"/api/v1/write",
		"--summary-export", exportPath, "--summary-csv", csvPath)
	if status != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
	for _, want := range []string{"✓ status is 200", "✓ stream ended with [DONE]", "http_reqs", "remote write:", "0 dropped"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(summaryPath)
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		TestID   string `json:"testid"`
		Server   string `json:"server"`
		Requests int64  `json:"http_reqs"`
		Failed   int64  `json:"http_req_failed"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(target.URL, "http://")
	if sum.TestID != "t-cli" || sum.Server != host || sum.Requests == 0 || sum.Failed != 0 || probed.Load() != sum.Requests {
		t.Fatalf("summary %+v (server wants %s); %d requests carried the header", sum, host, probed.Load())
	}
	var export struct {
		Metrics map[string]map[string]float64 `json:"metrics"`
	}
	if b, err := os.ReadFile(exportPath); err != nil || json.Unmarshal(b, &export) != nil {
		t.Fatalf("--summary-export: %v\n%s", err, b)
	}
	if got := export.Metrics["http_reqs"]["count"]; got != float64(sum.Requests) {
		t.Errorf("--summary-export http_reqs.count %v, want the summary's %d", got, sum.Requests)
	}
	if b, err := os.ReadFile(csvPath); err != nil || !strings.Contains(string(b), fmt.Sprintf("http_reqs,count,%d\n", sum.Requests)) {
		t.Errorf("--summary-csv lacks the request count %d: %v\n%s", sum.Requests, err, b)
	}
	if writes.Load() == 0 {
		t.Fatal("nothing was remote-written")
	}
	if ua := <-agents; !strings.HasPrefix(ua, "ssebench/") {
		t.Fatalf("remote-write User-Agent %q, want ssebench/<version>", ua)
	}
}

func TestLoadCommandFailsWhenRemoteWriteDropsSamples(t *testing.T) {
	var probed, writes atomic.Int64
	target := sseTarget(t, &probed)
	rw := remoteWriteReceiver(t, http.StatusBadRequest, &writes, nil)
	status, stdout, stderr := runLoad(t, "--target", target.URL, "--scenarios-file", tinyScenarios(t), "--scenario", "tiny",
		"--remote-write-url", rw.URL+"/api/v1/write")
	if status == 0 || !strings.Contains(stderr, "remote write") {
		t.Fatalf("exit %d with a receiver that rejects everything; want non-zero and the loss reported\nstdout:\n%s\nstderr:\n%s", status, stdout, stderr)
	}
}

// A receiver that rejects every write: the loss shows while the load runs, in the progress
// line and as a warning on stderr, not only in the final count.
func TestLoadCommandShowsRemoteWriteLossWhileRunning(t *testing.T) {
	var probed, writes atomic.Int64
	target := sseTarget(t, &probed)
	rw := remoteWriteReceiver(t, http.StatusBadRequest, &writes, nil)
	path := filepath.Join(t.TempDir(), "scenarios.json")
	// Long enough for one progress tick (each second) after the first rejected push.
	body := `{"scenarios":{"short":{"executor":"constant-vus","vus":1,"duration":"1500ms","gracefulStop":"5s"}}}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	status := loadCommand(context.Background(), []string{"--target", target.URL, "--scenarios-file", path, "--scenario", "short",
		"--remote-write-url", rw.URL + "/api/v1/write"}, cli.IO{Stdout: &out, Stderr: &errb, LookupEnv: cli.MapEnv(nil)}, true)
	progressLines, _, _ := strings.Cut(out.String(), "\n\n")
	if status != 1 || !strings.Contains(progressLines, "rw dropped ") {
		t.Errorf("exit %d; want 1 and the progress line showing the dropped samples:\n%s", status, out.String())
	}
	if !strings.Contains(errb.String(), "remote write dropping samples") {
		t.Errorf("no live warning of the loss on stderr:\n%s", errb.String())
	}
}

func TestLoadCommandUnreachableTarget(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	status, _, stderr := runLoad(t, "--target", url, "--scenarios-file", tinyScenarios(t), "--scenario", "tiny")
	if status != 1 || !strings.Contains(stderr, url) || !strings.Contains(stderr, "unreachable") {
		t.Fatalf("exit %d, stderr %q: want 1 and an error naming %s", status, stderr, url)
	}
}

func TestLoadCommandRejectsBadInput(t *testing.T) {
	var probed atomic.Int64
	target := sseTarget(t, &probed)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--scenarios-file", tinyScenarios(t), "--scenario", "tiny"}, "--target is required"},
		{[]string{"--target", "ftp://x", "--scenarios-file", tinyScenarios(t)}, "want an http:// or https:// URL"},
		{[]string{"--target", target.URL, "--scenarios-file", tinyScenarios(t), "--scenario", "nope"}, `"nope" is not in`},
		{[]string{"--target", target.URL, "--scenarios-file", tinyScenarios(t), "--scenario", "tiny", "--header", "novalue"}, "Name: value"},
	}
	for _, c := range cases {
		status, _, stderr := runLoad(t, c.args...)
		if status != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, status, stderr, c.want)
		}
	}
}

func TestLoadCommandFindsTheRepositoryScenarioFile(t *testing.T) {
	f := &loadFlags{scenario: "stress", quick: true, quickFactor: 0.1}
	sc, clients, err := pickScenario(f)
	if err != nil {
		t.Fatal(err)
	}
	if sc.MaxVUCount() != 200 || sc.Length().Seconds() > 10 || clients.Any() {
		t.Fatalf("quick stress: %d VUs over %v (clients %+v), want 200 VUs within 10s and no clients", sc.MaxVUCount(), sc.Length(), clients)
	}
	f = &loadFlags{scenario: "slow-readers", quick: true, quickFactor: 0.1, headers: http.Header{}}
	if sc, clients, err = pickScenario(f); err != nil {
		t.Fatal(err)
	}
	if clients.SlowReaders == nil || clients.SlowReaders.Count != 20 || sc.Length().Seconds() != 3 || f.headers.Get("X-Stub-Tokens") != "10" {
		t.Fatalf("quick slow-readers: %v long, clients %+v, headers %v; want 3s, 20 slow readers, streams of 10 tokens", sc.Length(), clients, f.headers)
	}
}

func TestLoadCommandCancelledStillPrintsTheSummary(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) == 20 {
			cancel() // what Ctrl-C does through signal.NotifyContext
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {}\n\ndata: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "scenarios.json")
	long := `{"scenarios":{"long":{"executor":"constant-vus","vus":2,"duration":"1h"}}}`
	if err := os.WriteFile(path, []byte(long), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	status := loadCommand(ctx, []string{"--target", srv.URL, "--scenarios-file", path, "--scenario", "long"}, cli.IO{Stdout: &out, Stderr: &errb, LookupEnv: cli.MapEnv(nil)}, true)
	if status != 130 || !strings.Contains(out.String(), "(aborted)") || !strings.Contains(out.String(), "http_reqs") {
		t.Fatalf("exit %d; want 130 and the summary marked aborted\nstdout:\n%s\nstderr:\n%s", status, out.String(), errb.String())
	}
}
