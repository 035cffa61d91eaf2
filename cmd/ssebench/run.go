package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/ssebench/ssebench/internal/repo"
	"github.com/ssebench/ssebench/internal/runner"
)

func init() {
	register("run", "the whole local benchmark: every server, both scenarios, the results table and report", runMain)
}

func runMain(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var (
		serverList   = fs.String("servers", envString("SSEBENCH_SERVERS", ""), "comma-separated servers to run (default: all of servers/servers.yaml) [$SSEBENCH_SERVERS]")
		scenarioList = fs.String("scenarios", envString("SSEBENCH_SCENARIOS", "baseline,stress,efficiency"), "comma-separated scenarios of k6/scenarios.json [$SSEBENCH_SCENARIOS]")
		quick        = fs.Bool("quick", envFlagBool("SSEBENCH_QUICK"), "the same shapes, seconds long [$SSEBENCH_QUICK]")
		quickFactor  = fs.Float64("quick-factor", 0, "with --quick (implied when set), multiply every duration by this instead of 0.1, e.g. 0.25")
		promURL      = fs.String("prometheus-url", envString("SSEBENCH_PROMETHEUS_URL", ""), "use this Prometheus (remote-write receiver on) instead of starting one [$SSEBENCH_PROMETHEUS_URL]")
		keep         = fs.Bool("keep", false, "leave the Prometheus we started running at the end, to browse the results")
		testID       = fs.String("testid", envString("SSEBENCH_TESTID", ""), "name of this run (default: its start time); trials are <testid>-t1… [$SSEBENCH_TESTID]")
		trials       = fs.Int("trials", envInt("SSEBENCH_TRIALS", 1), "repeat every server × scenario this many times, interleaved, for 95 % intervals and ties (3 or more to trust a ranking) [$SSEBENCH_TRIALS]")
		orderSeed    = fs.Uint64("order-seed", 0, "seed of each trial's server order (default: from the clock; printed in results.json)")
		sweepStart   = fs.Int("sweep-start", 100, "with --scenarios sweep: the first step's arrival rate (streams/s)")
		sweepFactor  = fs.Float64("sweep-factor", 2, "with --scenarios sweep: each step's rate is the previous one's × this")
		sweepStep    = fs.Duration("sweep-step", 0, "with --scenarios sweep: each step's duration (default 15s, × the quick factor)")
		sloMargin    = fs.Duration("slo-ttft-margin", 50*time.Millisecond, "the sweep's SLO: p99 TTFT at most direct's (first step) plus this")
		noReference  = fs.Bool("no-reference", envFlagBool("SSEBENCH_NO_REFERENCE"), "skip the direct reference (the stub with no proxy in front) [$SSEBENCH_NO_REFERENCE]")
		reportDir    = fs.String("report-dir", envString("SSEBENCH_REPORT_DIR", ""), "where report/<testid>/ is written (default: <repo>/report) [$SSEBENCH_REPORT_DIR]")
		dataDir      = fs.String("data-dir", envString("SSEBENCH_DATA_DIR", ""), "Prometheus data and logs, kept across runs for trends (default: <repo>/.ssebench/prometheus) [$SSEBENCH_DATA_DIR]")
		stubArgs     = fs.String("stub-args", envString("SSEBENCH_STUB_ARGS", ""), "extra flags for the stub, space-separated, e.g. \"--inter-token-delay=2ms\" [$SSEBENCH_STUB_ARGS]")
		headers      = repeatedHeaders{}
		noExporter   = fs.Bool("no-exporter", false, "do not start the exporter (CPU and memory columns show —)")
		noReport     = fs.Bool("no-report", false, "do not write the HTML report")
		alerts       = fs.Bool("alerts", envFlagBool("SSEBENCH_ALERTS"), "start Alertmanager with prometheus/alertmanager.yml; the rules judge this run against earlier ones [$SSEBENCH_ALERTS]")
		alertsHook   = fs.String("alerts-webhook", envString("SSEBENCH_ALERTS_WEBHOOK", ""), "send alert notifications to this webhook URL instead of the configured receiver [$SSEBENCH_ALERTS_WEBHOOK]")
		verbose      = fs.Bool("v", false, "log diagnostics to stderr")
	)
	fs.Var(&headers, "header", "extra request header for every stream, \"Name: value\" (repeatable), e.g. X-Stub-Tokens: 32")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *sweepStart <= 0 || *sweepFactor <= 1 || *sweepStep < 0 || *sloMargin <= 0 {
		fmt.Fprintf(os.Stderr, "ssebench run: the sweep needs --sweep-start > 0 (got %d), --sweep-factor > 1 (got %g), --sweep-step ≥ 0 (got %s) and --slo-ttft-margin > 0 (got %s)\n",
			*sweepStart, *sweepFactor, *sweepStep, *sloMargin)
		return 2
	}
	if *quickFactor < 0 || *quickFactor > 1 {
		fmt.Fprintf(os.Stderr, "ssebench run: --quick-factor %g: want a share of the full durations, in (0, 1]\n", *quickFactor)
		return 2
	}
	root, err := repo.FindRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssebench run:", err)
		return 2
	}
	logLevel := slog.LevelWarn
	if *verbose {
		logLevel = slog.LevelDebug
	}
	cfg := runner.Config{
		Root: root, Servers: splitCSV(*serverList), Scenarios: splitCSV(*scenarioList), Quick: *quick || *quickFactor > 0, QuickFactor: *quickFactor,
		PrometheusURL: strings.TrimRight(*promURL, "/"), Keep: *keep, TestID: *testID,
		Trials: *trials, OrderSeed: *orderSeed, Reference: !*noReference,
		Sweep:     runner.SweepConfig{StartRate: *sweepStart, Factor: *sweepFactor, Step: *sweepStep, TTFTMargin: *sloMargin},
		ReportDir: absPathOrEmpty(*reportDir), DataDir: absPathOrEmpty(*dataDir), StubArgs: strings.Fields(*stubArgs),
		Headers: http.Header(headers), NoExporter: *noExporter, NoReport: *noReport,
		Alerts: *alerts, AlertsWebhook: *alertsHook,
		Stdout: os.Stdout, TTY: term.IsTerminal(int(os.Stdout.Fd())),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel})),
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go secondSignalQuits(ctx, stop)
	out, err := runner.Run(ctx, cfg)
	if out != nil {
		if werr := runner.WriteOutcome(os.Stdout, out, cfg); werr != nil {
			fmt.Fprintln(os.Stderr, "ssebench run:", werr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ssebench run:", err)
		return 1
	}
	if out.Failed() {
		return 1
	}
	return 0
}

// secondSignalQuits hands the signals back to their default once the first has arrived: the
// run then stops its children in order and still prints what it measured (draining pushes
// can take a minute), while a second Ctrl-C quits at once — the children die with ssebench.
func secondSignalQuits(ctx context.Context, stop func()) {
	<-ctx.Done()
	stop()
	fmt.Fprintln(os.Stderr, "ssebench run: interrupted; stopping every child and reporting what was measured (Ctrl-C again to quit at once)")
}
