// Command webhook-receiver is the example receiver of prometheus/alertmanager.yml: it
// prints every alert Alertmanager sends to it, one JSON log line each.
//
//	go run ./prometheus/webhook-receiver [--listen-address 127.0.0.1:9095]
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/internal/alertmanager"
	"github.com/ssebench/ssebench/internal/cli"
)

func main() { os.Exit(run(os.Args[1:], cli.OS())) }

func run(args []string, sys cli.IO) int {
	fs := cli.NewFlagSet("webhook-receiver", "WEBHOOK")
	fs.About = "Print every alert Alertmanager sends to /alerts, one JSON log line each."
	fs.Examples = []string{"go run ./prometheus/webhook-receiver --listen-address 127.0.0.1:9095"}
	addr := fs.String("listen-address", "127.0.0.1:9095", "where to listen")
	if err := fs.Parse(args, sys.LookupEnv); err != nil {
		return fs.Exit(err, sys)
	}
	logger := slog.New(slog.NewJSONHandler(sys.Stdout, nil))
	mux := http.NewServeMux()
	mux.Handle("/alerts", &alertmanager.Receiver{Logger: logger})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	logger.Info("receiving Alertmanager webhooks", "url", "http://"+*addr+"/alerts")
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fs.Exit(err, sys)
	}
	return cli.ExitOK
}
