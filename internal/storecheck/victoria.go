// Package storecheck runs a real long-term store (VictoriaMetrics single-node, built by
// `make deps-test`) next to a real Prometheus, and checks which queries of the catalog give
// the same answers there: see README.md and storecheck_test.go.
package storecheck

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/promrun"
)

// EnvBinary names a VictoriaMetrics binary to use instead of the one `make deps-test` builds.
const EnvBinary = "SSEBENCH_VICTORIAMETRICS"

// binaryName is the single-node binary as mk/victoriametrics.mk installs it in .tools/bin.
const binaryName = "victoria-metrics"

// FindBinary returns $SSEBENCH_VICTORIAMETRICS when set, else .tools/bin/victoria-metrics
// under the repository root, else victoria-metrics on PATH.
func FindBinary() (string, error) { return promrun.FindTool(binaryName, EnvBinary) }

// RequireBinary is FindBinary for a test: a missing binary fails it, unless
// SSEBENCH_ALLOW_SKIP=1, in which case the test is skipped.
func RequireBinary(t testing.TB) string {
	t.Helper()
	return promrun.RequireTool(t, binaryName, EnvBinary)
}

// Options configure a VictoriaMetrics child. Zero values pick defaults.
type Options struct {
	Binary       string        // default: FindBinary()
	DataDir      string        // -storageDataPath; default: a temporary directory that Stop removes
	Stderr       io.Writer     // default: discarded (the tail is kept for errors)
	ReadyTimeout time.Duration // default 1 minute
	ExtraArgs    []string
}

// Victoria is a running VictoriaMetrics single-node.
type Victoria struct {
	proc    *proc.Process
	scratch proc.ScratchDir // created when no DataDir was given, removed by Stop
}

// StartVictoria starts VictoriaMetrics on 127.0.0.1 on a free port and returns once its
// /health answers 200 from its own listener.
//
// Two query flags differ from VictoriaMetrics' defaults, both so that a test can query what
// it wrote a moment ago: -search.latencyOffset=0 (by default the last 30 s are hidden from
// queries, as possibly incomplete) and -search.disableCache (the rollup cache would keep an
// answer computed before the last samples arrived). Neither changes what is stored.
func StartVictoria(ctx context.Context, o Options) (*Victoria, error) {
	v := &Victoria{}
	var err error
	if o.Binary == "" {
		if o.Binary, err = FindBinary(); err != nil {
			return nil, err
		}
	}
	if o.DataDir == "" {
		if v.scratch, err = proc.NewScratchDir("victoriametrics"); err != nil {
			return nil, err
		}
		o.DataDir = v.scratch.Path()
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.ReadyTimeout)
	defer cancel()
	p, err := proc.StartHTTP(ctx, "", "/health", func(addr string) proc.Spec {
		args := append([]string{
			"-httpListenAddr=" + addr,
			"-storageDataPath=" + o.DataDir,
			"-search.latencyOffset=0",
			"-search.disableCache",
			"-loggerLevel=WARN",
		}, o.ExtraArgs...)
		return proc.Spec{Name: "victoria-metrics", Path: o.Binary, Args: args, Stderr: o.Stderr}
	})
	if err != nil {
		v.scratch.Remove()
		return nil, err
	}
	v.proc = p
	return v, nil
}

// URL is the base URL; its Prometheus query API is under /api/v1 (/api/v1/query, …).
func (v *Victoria) URL() string { return v.proc.URL() }

// RemoteWriteURL is the Prometheus remote-write endpoint, the one docs/scaling.md names.
func (v *Victoria) RemoteWriteURL() string { return v.URL() + "/api/v1/write" }

// Stop ends VictoriaMetrics (SIGTERM, then SIGKILL when ctx ends first) and removes the
// temporary data directory, if Start made one.
func (v *Victoria) Stop(ctx context.Context) error {
	defer v.scratch.Remove()
	return v.proc.Stop(ctx)
}
