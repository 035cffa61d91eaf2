// Command gen writes ssebench's Grafana dashboards as JSON (run by `make dashboards`).
package main

import (
	"flag"
	"log/slog"
	"os"

	"github.com/ssebench/ssebench/dashboards"
)

func main() {
	out := flag.String("out", envOr("SSEBENCH_DASHBOARDS_DIR", "dashboards/grafana/dashboards"), "directory to write the dashboard JSON into (env SSEBENCH_DASHBOARDS_DIR)")
	flag.Parse()
	if err := dashboards.Write(*out); err != nil {
		slog.Error("generating dashboards", "err", err)
		os.Exit(1)
	}
	slog.Info("dashboards written", "dir", *out)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
