package servers

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/ssebench/ssebench/internal/proc"
)

// StartOptions is what a server needs from its caller.
type StartOptions struct {
	StubURL string
	// Env is appended to the inherited environment (after PORT, HOST, STUB_URL and the
	// server's own env, so it wins).
	Env            []string
	Stdout, Stderr io.Writer
}

// Start launches s in root on 127.0.0.1, at a port picked just before the start and given
// with HOST and STUB_URL in its environment (the contract of servers.yaml), and returns
// once its health path answers 200 from a listener of its own. A server with a config
// template gets it rendered into a scratch folder of this start's own (${DIR}), removed
// once the server has exited. ctx bounds the whole start.
func Start(ctx context.Context, root string, s Server, opts StartOptions) (*proc.Process, error) {
	switch {
	case s.Unavailable != "":
		return nil, fmt.Errorf("%s: unavailable: %s", s.Name, s.Unavailable)
	case s.External():
		return nil, fmt.Errorf("%s: an external server is not started by ssebench (it runs at %s)", s.Name, s.URL)
	case len(s.Command) == 0:
		return nil, fmt.Errorf("%s: no command", s.Name)
	}
	var specErr error
	p, err := proc.StartHTTP(ctx, "", s.HealthPath(), func(addr string) proc.Spec {
		spec, err := s.spec(root, addr, opts)
		if err != nil {
			specErr = err
			// A command that cannot run fails the start at once rather than at every port.
			return proc.Spec{Name: s.Name, Path: "/nonexistent/" + s.Name}
		}
		return spec
	})
	if specErr != nil {
		return nil, specErr
	}
	return p, err
}

func (s Server) spec(root, addr string, opts StartOptions) (proc.Spec, error) {
	_, port, _ := net.SplitHostPort(addr)
	dir, err := os.MkdirTemp("", "ssebench-"+s.Name+"-")
	if err != nil {
		return proc.Spec{}, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	v := NewVars(root, "127.0.0.1", port, opts.StubURL, dir)
	if s.Config != "" {
		if err := s.writeConfig(root, dir, v); err != nil {
			cleanup()
			return proc.Spec{}, err
		}
	}
	argv := make([]string, len(s.Command))
	for i, a := range s.Command {
		argv[i] = v.Expand(a)
	}
	if strings.Contains(argv[0], "/") && !filepath.IsAbs(argv[0]) {
		argv[0] = filepath.Join(root, argv[0])
	}
	env := []string{"PORT=" + port, "HOST=127.0.0.1", "STUB_URL=" + opts.StubURL}
	for k, val := range s.Env {
		env = append(env, k+"="+v.Expand(val))
	}
	env = append(env, opts.Env...)
	return proc.Spec{Name: s.Name, Path: argv[0], Args: argv[1:], Dir: root, Env: env, Stdout: opts.Stdout, Stderr: opts.Stderr,
		StopSignal: s.stopSignal(), OnExit: cleanup}, nil
}
