package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/internal/aiperf"
	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/repo"
	"github.com/ssebench/ssebench/internal/report"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/runner"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/version"
)

func init() {
	register("report", "write report/<testid>/index.html and results.md (or AIPerf's JSON) for one run, from Prometheus", reportMain)
}

// The report's formats: the writeup's page, or AIPerf's profile_export_aiperf.json per
// (server, scenario) for AIPerf users' tools (docs/aiperf.md).
const (
	formatHTML   = "html"
	formatAIPerf = "aiperf"
)

// reportFlags are the flags of `ssebench report`.
type reportFlags struct {
	testid, promURL, dataDir, out, compare, start, end, format string
	lookback, timeout                                          time.Duration
}

func reportMain(args []string, sys cli.IO) int {
	f, fs, err := parseReportFlags(args, sys.LookupEnv)
	if err != nil {
		return fs.Exit(err, sys)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	url, closeRuns, err := openRuns(ctx, f.promURL, f.dataDir, sys.Stderr)
	if err != nil {
		return fs.Exit(err, sys)
	}
	defer closeRuns()
	f.promURL = url
	paths, err := runReport(ctx, f)
	if err != nil {
		return fs.Exit(err, sys)
	}
	for _, p := range paths {
		fmt.Fprintln(sys.Stdout, p)
	}
	return cli.ExitOK
}

func parseReportFlags(args []string, lookupEnv func(string) (string, bool)) (reportFlags, *cli.FlagSet, error) {
	var f reportFlags
	fs := cli.NewFlagSet("ssebench report", "SSEBENCH")
	fs.About = "Write report/<testid>/index.html (every chart of the writeup as inline SVG, offline) and results.md for one run, from the Prometheus holding it; " +
		"with --format aiperf, report/<testid>/aiperf/<server>/<scenario>/profile_export_aiperf.json instead, in NVIDIA AIPerf's shape."
	fs.Examples = []string{
		"ssebench report --testid 20261202-093000                 # the kept runs, or a Prometheus on " + defaultPromURL,
		"ssebench report --testid nightly --prometheus-url http://127.0.0.1:9090 --lookback 30d",
		"ssebench report --testid t1 --start 2026-11-27T04:00:00Z --end 2026-11-27T04:10:00Z",
		"SSEBENCH_TESTID=nightly ssebench report --report-dir /tmp/reports",
		"ssebench report --testid nightly --format aiperf         # report/nightly/aiperf/<server>/<scenario>/profile_export_aiperf.json",
	}
	fs.StringVar(&f.testid, "testid", "", "the run to report on (required)")
	fs.StringVar(&f.promURL, "prometheus-url", "", "Prometheus holding the run (default: "+defaultPromURL+" if it answers, else the runs `ssebench run` kept, opened by a Prometheus of our own)")
	fs.StringVar(&f.dataDir, "data-dir", "", "where `ssebench run` kept its Prometheus data (default: <repo>/.ssebench/prometheus)")
	fs.StringVar(&f.out, "report-dir", "", "where report/<testid>/ is written (default: <repo>/report, as for ssebench run; ./report outside the repository)")
	fs.StringVar(&f.compare, "compare", "", "comma-separated servers of the normalized comparison (default: servers.yaml's writeup_compare servers when all ran, else every server)")
	fs.StringVar(&f.start, "start", "", "run start, RFC 3339 (default: found from the run's load samples)")
	fs.StringVar(&f.end, "end", "", "run end, RFC 3339 (default: found from the run's load samples)")
	fs.StringVar(&f.format, "format", formatHTML, "html (index.html and results.md) or aiperf (AIPerf's profile_export_aiperf.json per server and scenario, under aiperf/; see docs/aiperf.md)")
	fs.Duration(&f.lookback, "lookback", 7*24*time.Hour, "how far back to look for the run when --start/--end are not given")
	fs.Duration(&f.timeout, "timeout", 5*time.Minute, "deadline for the whole report")
	if err := fs.Parse(args, lookupEnv); err != nil {
		return f, fs, err
	}
	root, err := repo.FindRoot()
	if err != nil {
		root = "" // the report works from anywhere: ./report then
	}
	f.out = reportDirOf(root, f.out)
	return f, fs, f.validate()
}

// reportDirOf is where report/<testid>/ goes, for run and report alike: the flag's value as
// an absolute path, or by default the repository's report/ folder (./report without one).
func reportDirOf(root, flagValue string) string {
	if flagValue != "" {
		return absPathOrEmpty(flagValue)
	}
	if root == "" {
		return absPathOrEmpty(runner.ReportPath)
	}
	return filepath.Join(root, runner.ReportPath)
}

func (f reportFlags) validate() error {
	if strings.TrimSpace(f.testid) == "" {
		return cli.Usagef("--testid is required (or $SSEBENCH_TESTID)")
	}
	if (f.start == "") != (f.end == "") {
		return cli.Usagef("give both --start and --end, or neither")
	}
	if f.lookback <= 0 || f.timeout <= 0 {
		return cli.Usagef("--lookback and --timeout must be positive")
	}
	if f.format != formatHTML && f.format != formatAIPerf {
		return cli.Usagef("--format %q: want %s or %s", f.format, formatHTML, formatAIPerf)
	}
	return nil
}

// runReport writes the run's report in f.format and returns the files written.
func runReport(ctx context.Context, f reportFlags) ([]string, error) {
	q, err := run.NewQuerier(f.promURL)
	if err != nil {
		return nil, fmt.Errorf("--prometheus-url: %w", err)
	}
	trials, err := reportTrials(ctx, q, f)
	if err != nil {
		return nil, err
	}
	slog.Info("writing report", "run", f.testid, "trials", len(trials), "format", f.format)
	if f.format == formatAIPerf {
		return writeAIPerf(ctx, q, f, trials)
	}
	opts := report.Options{Servers: registryServers()}
	opts.Compare = splitCSV(f.compare)
	paths, err := report.Generate(ctx, q, f.testid, trials, f.out, opts)
	if err != nil {
		return nil, err
	}
	return []string{paths.HTML, paths.Markdown}, nil
}

// writeAIPerf writes one profile_export_aiperf.json per (server, scenario) of the run under
// report/<testid>/aiperf/.
func writeAIPerf(ctx context.Context, q *run.Querier, f reportFlags, trials []run.Trial) ([]string, error) {
	runDir, err := report.Dir(f.out, f.testid)
	if err != nil {
		return nil, err
	}
	table, err := aiperf.Fetch(ctx, q, f.testid, trials)
	if err != nil {
		return nil, err
	}
	profiles, err := aiperf.Build(table, version.String())
	if err != nil {
		return nil, err
	}
	return aiperf.Write(runDir, profiles)
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
func registryServers() []servers.Info {
	_, list, err := servers.LoadRegistry()
	if err != nil {
		slog.Debug("servers.yaml not loaded; runtimes and frameworks left blank", "err", err)
		return nil
	}
	return servers.Infos(list)
}
