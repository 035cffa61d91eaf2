// Package stubrun starts the stub binary (bin/stub) as a child process on a port picked
// just before its start, for the runner, the conformance suite and the load-cost bench.
package stubrun

import (
	"context"
	"io"

	"github.com/ssebench/ssebench/internal/proc"
)

// Start runs the stub at bin with args and returns once its /healthz answers from its own
// listener. The listen address is ours: it comes after args, so it wins over one in them.
func Start(ctx context.Context, bin string, args []string, stderr io.Writer) (*proc.Process, error) {
	return proc.StartHTTP(ctx, "", "/healthz", func(addr string) proc.Spec {
		argv := append(append([]string{}, args...), "--listen-address", addr)
		return proc.Spec{Name: "stub", Path: bin, Args: argv, Stderr: stderr}
	})
}
