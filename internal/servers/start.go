package servers

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"

	"github.com/ssebench/ssebench/internal/proc"
)

// StartOptions is what a server needs from its caller.
type StartOptions struct {
	StubURL string
	// Env is appended to the inherited environment (after PORT, HOST and STUB_URL, so it wins).
	Env            []string
	Stdout, Stderr io.Writer
}

// Start launches s in root on 127.0.0.1, at a port picked just before the start and given
// with HOST and STUB_URL in its environment (the contract of servers.yaml), and returns
// once its /healthz answers 200 from a listener of its own. ctx bounds the whole start.
func Start(ctx context.Context, root string, s Server, opts StartOptions) (*proc.Process, error) {
	if s.Unavailable != "" {
		return nil, fmt.Errorf("%s: unavailable: %s", s.Name, s.Unavailable)
	}
	if len(s.Command) == 0 {
		return nil, fmt.Errorf("%s: no command", s.Name)
	}
	argv0 := s.Command[0]
	if strings.Contains(argv0, "/") && !filepath.IsAbs(argv0) {
		argv0 = filepath.Join(root, argv0)
	}
	return proc.StartHTTP(ctx, "", "/healthz", func(addr string) proc.Spec {
		_, port, _ := net.SplitHostPort(addr)
		env := append([]string{"PORT=" + port, "HOST=127.0.0.1", "STUB_URL=" + opts.StubURL}, opts.Env...)
		return proc.Spec{Name: s.Name, Path: argv0, Args: s.Command[1:], Dir: root, Env: env, Stdout: opts.Stdout, Stderr: opts.Stderr}
	})
}
