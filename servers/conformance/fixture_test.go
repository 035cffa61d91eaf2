package conformance_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/servers"
)

// fixture is one server under test in front of its own stub, so that the stub's counters
// belong to this server alone.
type fixture struct {
	server  servers.Server
	stub    *servers.Process
	proxy   *servers.Process
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
	f.stub = startProcess(t, stubServer(), "")
	f.stubURL = f.stub.URL()
	f.proxy = startProcess(t, s, f.stubURL)
	return f
}

// stubServer describes the stub binary as a server, to reuse Start and WaitHealthy.
func stubServer() servers.Server {
	return servers.Server{Name: "stub", Runtime: "Go", Framework: "stub", Build: "true", Command: []string{stubBin}}
}

// startProcess starts s on a free port and waits until it is healthy; it is stopped when
// the test ends. A port taken between FreePort and the listen is retried.
func startProcess(t *testing.T, s servers.Server, stubURL string) *servers.Process {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := servers.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if s.Name == "stub" {
			s.Command = []string{stubBin, "--listen-address", fmt.Sprintf("127.0.0.1:%d", port)}
		}
		ctx, cancel := context.WithTimeout(context.Background(), healthyTimeout)
		p, err := servers.Start(ctx, repoRoot, s, servers.StartOptions{Port: port, StubURL: stubURL})
		if err == nil {
			if err = p.WaitHealthy(ctx); err != nil {
				_ = p.Stop(ctx) // the port may have been taken: try another
			}
		}
		cancel()
		if err == nil {
			t.Cleanup(func() {
				stop(t, p)
				if t.Failed() {
					t.Logf("%s stderr (last lines): %s", s.Name, p.StderrTail(20))
				}
			})
			return p
		}
		lastErr = err
	}
	t.Fatal(lastErr)
	return nil
}

// stop ends p; a server that does not exit 0 on SIGTERM breaks the contract, and so does
// one that exited before (Stop reports how it exited).
func stop(t *testing.T, p *servers.Process) {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if err := p.Stop(ctx); err != nil {
		t.Errorf("stopping with SIGTERM: %v", err)
	}
}
