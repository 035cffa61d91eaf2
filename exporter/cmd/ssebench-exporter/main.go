// Command ssebench-exporter publishes the CPU, memory, threads, file descriptors, context
// switches and TCP connections of each benchmarked server, read from procfs at scrape
// time, and probes SSE endpoints on /probe. See exporter/README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/exporter-toolkit/web"

	"github.com/ssebench/ssebench/internal/cli"
)

// shutdownGrace bounds how long in-flight scrapes and probes may finish after SIGTERM.
const shutdownGrace = 10 * time.Second

func main() {
	os.Exit(run(os.Args[1:], cli.OS()))
}

// run returns the exit status (internal/cli): 0 after a clean shutdown or help, 1 when the
// exporter cannot start or serve, 2 on bad flags or environment.
func run(args []string, sys cli.IO) int {
	opts, fs, err := parseFlags(args, sys.LookupEnv)
	if err != nil {
		return fs.Exit(err, sys)
	}
	logger, err := newLogger(sys.Stderr, opts.logLevel, opts.logFormat)
	if err != nil {
		return fs.Exit(err, sys)
	}
	app, err := newApp(opts, logger)
	if err != nil {
		return fs.Exit(fmt.Errorf("cannot start: %w", err), sys)
	}
	if err := app.serve(); err != nil {
		return fs.Exit(fmt.Errorf("server failed: %w", err), sys)
	}
	return 0
}

// serve runs the HTTP server until SIGTERM or SIGINT, reloading the config on SIGHUP.
func (a *app) serve() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	listen := []string{a.opts.listenAddress}
	systemd := false
	flags := &web.FlagConfig{WebListenAddresses: &listen, WebSystemdSocket: &systemd, WebConfigFile: &a.opts.webConfigFile}
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, flags, a.logger) }()
	for {
		select {
		case <-hup:
			_ = a.reload("SIGHUP")
		case err := <-errc:
			return err
		case <-ctx.Done():
			a.logger.Info("shutting down", "grace", shutdownGrace)
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return err
			}
			if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}
	}
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, cli.Usagef("--log.level %q: want debug, info, warn or error", level)
	}
	hopts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "logfmt", "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	}
	return nil, cli.Usagef("--log.format %q: want logfmt or json", format)
}
