package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/repo"
	"github.com/ssebench/ssebench/internal/runner"
)

// defaultPromURL is where compare and report look first when no --prometheus-url is given.
const defaultPromURL = "http://127.0.0.1:9090"

// keptRetention must match prometheus/prometheus.yml's: a Prometheus opened on the kept
// data with a shorter retention would delete the older runs.
const keptRetention = 400 * 24 * time.Hour

// openRuns says where the runs are read from: the URL given; else the default address when
// a Prometheus answers there; else a Prometheus of our own on the data `ssebench run` kept
// (dataDir, default <repo>/.ssebench/prometheus), stopped by the returned func. So
// `ssebench compare A B` works right after two runs, whose Prometheus has gone.
func openRuns(ctx context.Context, url, dataDir string, stderr io.Writer) (string, func(), error) {
	if url != "" {
		return url, func() {}, nil
	}
	if promrun.CheckReady(ctx, defaultPromURL) == nil {
		return defaultPromURL, func() {}, nil
	}
	if dataDir == "" {
		root, err := repo.FindRoot()
		if err != nil {
			return "", nil, fmt.Errorf("no --prometheus-url, nothing answers at %s, and no repository to find kept runs in: %w", defaultPromURL, err)
		}
		dataDir = filepath.Join(root, filepath.FromSlash(runner.DataPath))
	}
	tsdb := filepath.Join(dataDir, "data")
	if _, err := os.Stat(tsdb); err != nil {
		return "", nil, fmt.Errorf("no --prometheus-url, nothing answers at %s, and no kept runs in %s (run `ssebench run` first, or pass --prometheus-url)", defaultPromURL, tsdb)
	}
	fmt.Fprintf(stderr, "reading the runs kept in %s with a Prometheus of our own\n", tsdb)
	prom, err := promrun.Start(ctx, promrun.Options{DataDir: tsdb, Retention: keptRetention})
	if err != nil {
		// Prometheus refuses a data directory another one holds (ssebench run --keep).
		return "", nil, fmt.Errorf("opening the kept runs in %s: %w (if a Prometheus already serves them, pass its address with --prometheus-url)", tsdb, err)
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := prom.Stop(ctx); err != nil {
			fmt.Fprintln(stderr, "warning: stopping the Prometheus on the kept runs:", err)
		}
	}
	return prom.URL(), stop, nil
}
