// Command webhook-receiver is the example receiver of prometheus/alertmanager.yml: it
// prints every alert Alertmanager sends to it, one JSON log line each.
//
//	go run ./prometheus/webhook-receiver [--listen-address 127.0.0.1:9095]
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/internal/alertmanager"
)

func main() {
	addr := flag.String("listen-address", envOr("WEBHOOK_LISTEN_ADDRESS", "127.0.0.1:9095"), "where to listen [$WEBHOOK_LISTEN_ADDRESS]")
	flag.Parse()
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
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
		logger.Error("listening", "err", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}
