package conformance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/stubrun"
)

// fixture is one server under test in front of its own stub, so that the stub's counters
// belong to this server alone.
type fixture struct {
	server  servers.Server
	stub    *proc.Process
	proxy   *proc.Process
	stubURL string
}

const (
	buildTimeout   = 10 * time.Minute
	healthyTimeout = 60 * time.Second
	stopTimeout    = 15 * time.Second
)

func newFixture(t *testing.T, s servers.Server) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	var out strings.Builder
	if err := s.BuildIt(ctx, repoRoot, &out); err != nil {
		t.Fatal(err)
	}
	f := &fixture{server: s}
	f.stub = startStub(t)
	f.stubURL = f.stub.URL()
	f.proxy = startProcess(t, s, f.stubURL)
	return f
}

// startProcess starts s in front of stubURL and waits until it is healthy; it is stopped
// when the test ends.
func startProcess(t testing.TB, s servers.Server, stubURL string) *proc.Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), healthyTimeout)
	defer cancel()
	p, err := servers.Start(ctx, repoRoot, s, servers.StartOptions{StubURL: stubURL})
	return stopAtCleanupExcept(t, p, err, s.Differences[sigtermCheck])
}

// startStub starts the stub and waits until it is healthy; it is stopped when the test ends.
func startStub(t *testing.T) *proc.Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), healthyTimeout)
	defer cancel()
	p, err := stubrun.Start(ctx, stubBin, nil, nil)
	return stopAtCleanup(t, p, err)
}

func stopAtCleanup(t testing.TB, p *proc.Process, err error) *proc.Process {
	t.Helper()
	return stopAtCleanupExcept(t, p, err, "")
}

// sigtermCheck is the check of the graceful stop, which a server may document it fails.
const sigtermCheck = "7_sigterm_drains"

// stopAtCleanupExcept stops p when the test ends; difference, when set, is why p is known
// not to stop cleanly (servers.yaml's differences), and its stop is then logged, not failed.
func stopAtCleanupExcept(t testing.TB, p *proc.Process, err error, difference string) *proc.Process {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if difference != "" {
			ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
			defer cancel()
			t.Logf("stopping %s (documented difference: %s): %v", p.Name(), difference, p.Stop(ctx))
			return
		}
		stop(t, p)
		if t.Failed() {
			t.Logf("%s stderr (last lines): %s", p.Name(), p.Tail(20))
		}
	})
	return p
}

// stop ends p; a server that does not exit 0 on SIGTERM breaks the contract, and so does
// one that exited before (Stop reports how it exited).
func stop(t testing.TB, p *proc.Process) {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if err := p.Stop(ctx); err != nil {
		t.Errorf("stopping with SIGTERM: %v", err)
	}
}
