package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/term"

	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/progress"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/repo"
	"github.com/ssebench/ssebench/internal/run"
)

func init() {
	register("load", "the Go load generator: one scenario of k6/scenarios.json against one server", loadMain)
}

func loadMain(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return loadCommand(ctx, args, os.Stdout, os.Stderr, term.IsTerminal(int(os.Stdout.Fd())))
}

// loadFlags are the parsed flags of `ssebench load`.
type loadFlags struct {
	target, scenario, scenariosFile, server, testID, remoteWriteURL, summaryJSON string
	quick                                                                        bool
	quickFactor                                                                  float64
	headers                                                                      http.Header
	verbose                                                                      bool
}

func parseLoadFlags(args []string, stderr io.Writer) (*loadFlags, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &loadFlags{headers: http.Header{}}
	fs.StringVar(&f.target, "target", envString("SSEBENCH_TARGET", ""), "base URL of the server under test, e.g. http://127.0.0.1:8081 [$SSEBENCH_TARGET]")
	fs.StringVar(&f.scenario, "scenario", envString("SSEBENCH_SCENARIO", "baseline"), "scenario name in the scenarios file [$SSEBENCH_SCENARIO]")
	fs.StringVar(&f.scenariosFile, "scenarios-file", envString("SSEBENCH_SCENARIOS_FILE", ""), "scenario file (default: k6/scenarios.json in the current directory or the repository root) [$SSEBENCH_SCENARIOS_FILE]")
	fs.BoolVar(&f.quick, "quick", envFlagBool("SSEBENCH_QUICK"), "the same shape, seconds long (every duration × --quick-factor) [$SSEBENCH_QUICK]")
	fs.Float64Var(&f.quickFactor, "quick-factor", 0.1, "duration factor of --quick")
	fs.StringVar(&f.server, "server", envString("SSEBENCH_SERVER", ""), "server label on every series (default: the target's host:port) [$SSEBENCH_SERVER]")
	fs.StringVar(&f.testID, "testid", envString("SSEBENCH_TESTID", ""), "testid label (default: the start time, sortable) [$SSEBENCH_TESTID]")
	fs.StringVar(&f.remoteWriteURL, "remote-write-url", envString("SSEBENCH_REMOTE_WRITE_URL", ""), "push the metrics every second to this remote-write URL, e.g. http://127.0.0.1:9090/api/v1/write [$SSEBENCH_REMOTE_WRITE_URL]")
	fs.StringVar(&f.summaryJSON, "summary-json", envString("SSEBENCH_SUMMARY_JSON", ""), "also write the summary as JSON to this file [$SSEBENCH_SUMMARY_JSON]")
	fs.BoolVar(&f.verbose, "v", false, "log diagnostics to stderr")
	fs.Var(repeatedHeaders(f.headers), "header", "extra request header, \"Name: value\" (repeatable), e.g. \"X-Stub-Tokens: 32\"; $SSEBENCH_HEADERS holds more, one per line")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for _, line := range strings.Split(os.Getenv("SSEBENCH_HEADERS"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := repeatedHeaders(f.headers).Set(line); err != nil {
			return nil, fmt.Errorf("$SSEBENCH_HEADERS line %q: %w", line, err)
		}
	}
	if f.target == "" {
		return nil, errors.New("--target is required (or $SSEBENCH_TARGET), e.g. --target http://127.0.0.1:8081")
	}
	if _, err := load.ParseTarget(f.target); err != nil {
		return nil, fmt.Errorf("--target: %w", err)
	}
	if f.quickFactor <= 0 || f.quickFactor > 1 {
		return nil, fmt.Errorf("--quick-factor %v: want a factor in (0, 1]", f.quickFactor)
	}
	return f, nil
}

func loadCommand(ctx context.Context, args []string, stdout, stderr io.Writer, tty bool) int {
	f, err := parseLoadFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "ssebench load:", err)
		return 2
	}
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	sc, err := pickScenario(f)
	if err != nil {
		fmt.Fprintln(stderr, "ssebench load:", err)
		return 2
	}
	if err := load.CheckReachable(ctx, f.target); err != nil {
		fmt.Fprintln(stderr, "ssebench load:", err)
		return 1
	}
	u, _ := load.ParseTarget(f.target)
	if f.server == "" {
		f.server = u.Host
	}
	if f.testID == "" {
		f.testID = run.NewID(time.Now())
	}
	reg := prometheus.NewRegistry()
	var pusher *remotewrite.Pusher
	if f.remoteWriteURL != "" {
		pusher, err = remotewrite.New(remotewrite.Config{URL: f.remoteWriteURL, Interval: time.Second,
			Logger: logger}, reg)
		if err != nil {
			fmt.Fprintln(stderr, "ssebench load:", err)
			return 2
		}
		pusher.Start(context.WithoutCancel(ctx))
	}
	fmt.Fprintf(stdout, "ssebench load: %s (%s, %s, up to %d VUs) against %s · testid %s\n",
		f.scenario, sc.Executor, sc.Length(), sc.MaxVUCount(), f.target, f.testID)
	bar := progress.New(stdout, tty)
	summary, err := load.Run(ctx, load.Options{Target: f.target, TestID: f.testID, Server: f.server, ScenarioName: f.scenario,
		Scenario: sc, Headers: f.headers, Registry: reg,
		Progress: func(p load.Progress) { bar.Update(progress.FromLoad(p, 1, 1, f.server, f.scenario)) }})
	bar.Done()
	if err != nil {
		fmt.Fprintln(stderr, "ssebench load:", err)
		return 1
	}
	status := 0
	if err := summary.WriteText(stdout); err != nil {
		fmt.Fprintln(stderr, "ssebench load:", err)
		status = 1
	}
	if f.summaryJSON != "" {
		if err := writeSummaryJSON(f.summaryJSON, summary); err != nil {
			fmt.Fprintln(stderr, "ssebench load:", err)
			status = 1
		}
	}
	if pusher != nil && !stopPusher(pusher, stdout, stderr) {
		status = 1
	}
	if summary.Aborted && status == 0 {
		status = 130
	}
	return status
}

// pickScenario finds the scenario file and the named scenario in it, Quick-scaled if asked.
func pickScenario(f *loadFlags) (load.Scenario, error) {
	path := f.scenariosFile
	if path == "" {
		path = filepath.Join("k6", "scenarios.json")
		if _, err := os.Stat(path); err != nil {
			root, rerr := repo.FindRoot()
			if rerr != nil {
				return load.Scenario{}, fmt.Errorf("no k6/scenarios.json here and no repository root above: %w; pass --scenarios-file", rerr)
			}
			path = filepath.Join(root, "k6", "scenarios.json")
		}
	}
	all, err := load.LoadScenarioFile(path)
	if err != nil {
		return load.Scenario{}, err
	}
	sc, ok := all[f.scenario]
	if !ok {
		names := make([]string, 0, len(all))
		for n := range all {
			names = append(names, n)
		}
		sort.Strings(names)
		return load.Scenario{}, fmt.Errorf("--scenario %q is not in %s (it has: %s)", f.scenario, path, strings.Join(names, ", "))
	}
	if f.quick {
		sc = sc.Quick(f.quickFactor)
	}
	return sc, nil
}

func writeSummaryJSON(path string, s *load.Summary) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--summary-json: %w", err)
	}
	if err := s.WriteJSON(file); err != nil {
		file.Close()
		return fmt.Errorf("--summary-json: %w", err)
	}
	return file.Close()
}

// stopPusher pushes the final values and stale markers, and reports whether nothing was lost.
func stopPusher(p *remotewrite.Pusher, stdout, stderr io.Writer) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stats, err := p.Stop(ctx)
	fmt.Fprintf(stdout, "\n  remote write: %d samples and %d histograms sent, %d dropped, %d retries\n",
		stats.SamplesSent, stats.HistogramsSent, stats.SamplesDropped, stats.Retries)
	if err != nil {
		fmt.Fprintln(stderr, "ssebench load: remote write:", err)
		return false
	}
	if stats.SamplesDropped > 0 {
		fmt.Fprintf(stderr, "ssebench load: remote write dropped %d samples: Prometheus misses part of this run\n", stats.SamplesDropped)
		return false
	}
	return true
}
