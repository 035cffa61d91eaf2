// Command stub serves the mock LLM (package stub) until SIGTERM or SIGINT.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/stub"
)

func main() {
	os.Exit(run(os.Args[1:], cli.OS()))
}

// run returns the process exit code (internal/cli): 0 after a clean shutdown or help,
// 1 on a runtime failure, 2 on bad flags or environment.
func run(args []string, sys cli.IO) int {
	o, fs, err := parseOptions(args, sys.LookupEnv)
	if err != nil {
		return fs.Exit(err, sys)
	}
	if o.healthcheck {
		return fs.Exit(healthcheck(o.listenAddress), sys)
	}
	logger := slog.New(slog.NewTextHandler(sys.Stderr, &slog.HandlerOptions{Level: o.logLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := serve(ctx, o, logger); err != nil {
		logger.Error("stub failed", "error", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, o options, logger *slog.Logger) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h, err := stub.NewHandler(o.config, reg, logger)
	if err != nil {
		return err
	}
	l, err := stub.Listen(ctx, o.listenAddress)
	if err != nil {
		return err
	}
	startProcs(ctx, o.procs, logger)
	srv := newServer(h)
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	logger.Info("listening", listeningAttrs(l.Addr().String(), o.config)...)

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down; in-flight streams may finish", "timeout", o.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("streams still running at the shutdown deadline; closing them", "error", err)
		_ = srv.Close()
	}
	logger.Info("stopped")
	return nil
}

// startProcs sets GOMAXPROCS, or with 0 lets the load set it for as long as ctx lasts.
func startProcs(ctx context.Context, procs int, logger *slog.Logger) {
	if procs > 0 {
		runtime.GOMAXPROCS(procs)
		return
	}
	go stub.AdaptProcs(ctx, stub.DefaultProcsPolicy(runtime.GOMAXPROCS(0)), procsInterval, logger)
}

// procsInterval is short enough that a load starting on one P gets the rest
// within a quarter of a second, long enough to cost nothing (4 wake-ups a second).
const procsInterval = 250 * time.Millisecond

// healthcheck lets a container image without a shell or curl check itself.
func healthcheck(listenAddress string) error {
	host, port, err := net.SplitHostPort(listenAddress)
	if err != nil {
		return cli.Usagef("--listen-address: %v", err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + stub.PathHealthz
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	return nil
}

// listeningAttrs describe what the stub serves; the seed and named histograms only when set.
func listeningAttrs(addr string, cfg stub.Config) []any {
	attrs := []any{"address", addr, "shape", fmt.Sprintf("%+v", cfg.Shape), "faults", fmt.Sprintf("%+v", cfg.Faults)}
	if names := cfg.TokensHistograms.Names(); len(names) > 0 {
		attrs = append(attrs, "tokens_histograms", strings.Join(names, ","))
	}
	if cfg.Seeded {
		attrs = append(attrs, "seed", cfg.Seed)
	}
	return attrs
}
