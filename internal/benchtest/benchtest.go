// Package benchtest runs real, short load runs for tests: the stub in-process, a real
// proxy from servers.yaml as a child process, the load engine, and remote-write into a
// real Prometheus — the path `ssebench run` takes, minus the exporter.
package benchtest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/stub"
)

// StartStub serves the stub on 127.0.0.1 until the test ends and returns its base URL.
func StartStub(t testing.TB) string {
	t.Helper()
	h, err := stub.NewHandler(stub.DefaultConfig(), prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := stub.Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("stub: %v", err)
		}
	})
	return "http://" + l.Addr().String()
}

// StartServer builds (cached) and starts the named proxy in front of stubURL, waits until
// it is healthy and stops it when the test ends.
func StartServer(t testing.TB, name, stubURL string) *proc.Process {
	t.Helper()
	root, list, err := servers.LoadRegistry()
	if err != nil {
		t.Fatal(err)
	}
	sel, err := servers.Select(list, []string{name})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := sel[0].BuildIt(ctx, root, nil); err != nil {
		t.Fatalf("building %s: %v", name, err)
	}
	p, err := servers.Start(ctx, root, sel[0], servers.StartOptions{StubURL: stubURL})
	if err != nil {
		t.Fatalf("%s not healthy: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Errorf("stopping %s: %v", name, err)
		}
	})
	return p
}

// Run is one load run to push.
type Run struct {
	WriteURL, Target         string // Prometheus remote-write URL; proxy base URL
	TestID, Server, Scenario string
	VUs                      int
	Duration                 time.Duration
	InterTokenDelay          time.Duration // the stub's delay between tokens, sent as X-Stub-Inter-Token-Delay
}

// Push runs r with the load engine, pushing its metrics every second and stale markers at
// the end, and returns the engine's own summary.
func Push(t testing.TB, r Run) *load.Summary {
	t.Helper()
	reg := prometheus.NewRegistry()
	p, err := remotewrite.New(remotewrite.Config{URL: r.WriteURL, Interval: time.Second}, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.Duration+2*time.Minute)
	defer cancel()
	p.Start(ctx)
	headers := http.Header{}
	if r.InterTokenDelay > 0 {
		headers.Set(stub.HeaderInterTokenDelay, r.InterTokenDelay.String())
	}
	sum, runErr := load.Run(ctx, load.Options{
		Target: r.Target, TestID: r.TestID, Server: r.Server, ScenarioName: r.Scenario, Headers: headers, Registry: reg,
		Scenario: load.ConstantVUs{VUs: r.VUs, Duration: r.Duration, GracefulStop: 10 * time.Second},
	})
	stats, stopErr := p.Stop(ctx)
	if runErr != nil {
		t.Fatalf("load run %s: %v", r.TestID, runErr)
	}
	if stopErr != nil {
		t.Fatalf("pushing %s: %v (%+v)", r.TestID, stopErr, stats)
	}
	if sum.Requests == 0 {
		t.Fatalf("load run %s made no requests", r.TestID)
	}
	return sum
}
