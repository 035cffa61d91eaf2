package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/internal/report"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/servers"
)

func init() {
	register("report", "write report/<testid>/index.html and results.md for one run, from Prometheus", reportMain)
}

// reportFlags are the flags of `ssebench report`; each has an environment fallback.
type reportFlags struct {
	testid, promURL, dataDir, out, compare, start, end string
	lookback, timeout                                  time.Duration
}

func reportMain(args []string) int {
	f, err := parseReportFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "ssebench report:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	url, closeRuns, err := openRuns(ctx, f.promURL, f.dataDir, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssebench report:", err)
		return 1
	}
	defer closeRuns()
	f.promURL = url
	paths, err := runReport(ctx, f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssebench report:", err)
		return 1
	}
	fmt.Println(paths.HTML)
	fmt.Println(paths.Markdown)
	return 0
}

func parseReportFlags(args []string) (reportFlags, error) {
	var f reportFlags
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.StringVar(&f.testid, "testid", envString("SSEBENCH_TESTID", ""), "the run to report on (required) [$SSEBENCH_TESTID]")
	fs.StringVar(&f.promURL, "prometheus-url", envString("SSEBENCH_PROMETHEUS_URL", ""), "Prometheus holding the run (default: "+defaultPromURL+" if it answers, else the runs `ssebench run` kept, opened by a Prometheus of our own) [$SSEBENCH_PROMETHEUS_URL]")
	fs.StringVar(&f.dataDir, "data-dir", envString("SSEBENCH_DATA_DIR", ""), "where `ssebench run` kept its Prometheus data (default: <repo>/.ssebench/prometheus) [$SSEBENCH_DATA_DIR]")
	fs.StringVar(&f.out, "out", envString("SSEBENCH_REPORT_DIR", "report"), "directory the report/<testid>/ folder is written under [$SSEBENCH_REPORT_DIR]")
	fs.StringVar(&f.compare, "compare", envString("SSEBENCH_COMPARE", ""), "comma-separated servers of the normalized comparison (default: bun-hono,go-http,rust-axum when all ran, else every server) [$SSEBENCH_COMPARE]")
	fs.StringVar(&f.start, "start", envString("SSEBENCH_REPORT_START", ""), "run start, RFC 3339 (default: found from the run's load samples) [$SSEBENCH_REPORT_START]")
	fs.StringVar(&f.end, "end", envString("SSEBENCH_REPORT_END", ""), "run end, RFC 3339 (default: found from the run's load samples) [$SSEBENCH_REPORT_END]")
	fs.DurationVar(&f.lookback, "lookback", 7*24*time.Hour, "how far back to look for the run when --start/--end are not given")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "deadline for the whole report")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if strings.TrimSpace(f.testid) == "" {
		return f, errors.New("--testid is required (or $SSEBENCH_TESTID)")
	}
	if (f.start == "") != (f.end == "") {
		return f, errors.New("give both --start and --end, or neither")
	}
	if f.lookback <= 0 || f.timeout <= 0 {
		return f, errors.New("--lookback and --timeout must be positive")
	}
	return f, nil
}

func runReport(ctx context.Context, f reportFlags) (report.Paths, error) {
	q, err := run.NewQuerier(f.promURL)
	if err != nil {
		return report.Paths{}, fmt.Errorf("--prometheus-url: %w", err)
	}
	trials, err := reportTrials(ctx, q, f)
	if err != nil {
		return report.Paths{}, err
	}
	slog.Info("writing report", "run", f.testid, "trials", len(trials))
	opts := report.Options{Servers: registryServers()}
	opts.Compare = splitCSV(f.compare)
	return report.Generate(ctx, q, f.testid, trials, f.out, opts)
}

// reportTrials finds the run's trials, or takes the one window --start/--end give.
func reportTrials(ctx context.Context, q *run.Querier, f reportFlags) ([]run.Trial, error) {
	if f.start == "" {
		return q.Trials(ctx, f.testid, time.Now(), f.lookback)
	}
	start, err := time.Parse(time.RFC3339, f.start)
	if err != nil {
		return nil, fmt.Errorf("--start: %w", err)
	}
	end, err := time.Parse(time.RFC3339, f.end)
	if err != nil {
		return nil, fmt.Errorf("--end: %w", err)
	}
	if !end.After(start) {
		return nil, fmt.Errorf("--end %s is not after --start %s", f.end, f.start)
	}
	return []run.Trial{{Number: 1, TestID: f.testid, Window: run.Window{Start: start, End: end}}}, nil
}

// registryServers describes servers by runtime and framework when servers.yaml is reachable;
// the report still works without it (from another directory, for example).
func registryServers() []report.ServerInfo {
	_, list, err := servers.LoadRegistry()
	if err != nil {
		slog.Debug("servers.yaml not loaded; runtimes and frameworks left blank", "err", err)
		return nil
	}
	out := make([]report.ServerInfo, 0, len(list))
	for _, s := range list {
		out = append(out, report.ServerInfo{Name: s.Name, Runtime: s.Runtime, Framework: s.Framework})
	}
	return out
}
