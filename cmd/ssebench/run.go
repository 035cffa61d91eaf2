package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/repo"
	"github.com/ssebench/ssebench/internal/runner"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/sweep"
)

func init() {
	register("run", "the whole local benchmark: every server side by side and through each scenario; the results table and report", runMain)
}

func runMain(args []string, sys cli.IO) int {
	fs, cfg, err := parseRunFlags(args, sys)
	if err != nil {
		return fs.Exit(err, sys)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go secondSignalQuits(ctx, stop, sys.Stderr)
	out, err := runner.Run(ctx, cfg)
	if out != nil {
		if werr := runner.WriteOutcome(sys.Stdout, out, cfg); werr != nil {
			return fs.Exit(werr, sys)
		}
	}
	if err != nil {
		return fs.Exit(err, sys)
	}
	if out.Failed() {
		return cli.ExitFailure
	}
	return cli.ExitOK
}

// parseRunFlags turns the command line and its environment fallbacks into the runner's Config.
func parseRunFlags(args []string, sys cli.IO) (*cli.FlagSet, runner.Config, error) {
	fs := cli.NewFlagSet("ssebench run", "SSEBENCH")
	fs.About = "Start Prometheus, the stub and the exporter; build, start and load every server of servers/servers.yaml and direct (the stub alone) through each scenario; print the results table from PromQL and write the report."
	fs.Examples = []string{
		"ssebench run                                      # every server; baseline, stress and efficiency at full length",
		"ssebench run --quick --servers go-http,bun-hono   # the same shapes, seconds long",
		"ssebench run --trials 3 --scenarios stress        # 95 % intervals and ties; 3 trials or more to trust a ranking",
		"ssebench run --scenarios sweep --sweep-step 10s   # capacity under the p99 TTFT SLO",
		"ssebench run --scenarios duet                     # every server at once in rounds: CPU ratios to the first server, ±1 % in ≤ 5 min",
		"ssebench run --scenarios duet --servers-file my-gateways.yaml --duet-reference go-http",
		"SSEBENCH_SERVERS=go-http SSEBENCH_QUICK=true ssebench run",
	}
	var (
		serverList   = fs.String("servers", "", "comma-separated servers to run (default: all of servers/servers.yaml)")
		scenarioList = fs.String("scenarios", strings.Join(runner.DefaultScenarios, ","), "comma-separated scenarios of k6/scenarios.json, and sweep (capacity) and duet (side by side, run first)")
		serversFile  = fs.String("servers-file", "", "the list of servers, in servers/servers.yaml's format (default: servers/servers.yaml); relative to the current directory")
		duetRate     = fs.Int("duet-rate", runner.DefaultDuetRate, "with --scenarios duet: streams/s offered to each server")
		duetRef      = fs.String("duet-reference", "", "with --scenarios duet: the server every ratio divides by (default: the first selected)")
		noAA         = fs.Bool("no-aa", false, "with --scenarios duet: skip the A/A control, a second instance of the reference")
		duetWorkload = fs.String("duet-workload", "", "with --scenarios duet: a constant-arrival-rate scenario whose arrivals and stream the rounds take (e.g. realistic: Poisson arrivals, lognormal lengths); default evenly spaced arrivals of the stub's default stream")
		duetPrec     = fs.Float64("duet-precision", runner.DefaultDuetPrecision, "with --scenarios duet: stop once every CPU ratio's 95 % half width is at most this share")
		duetRound    time.Duration
		duetBudget   time.Duration
		quick        = fs.Bool("quick", false, "the same shapes, seconds long")
		quickFactor  = fs.Float64("quick-factor", 0, fmt.Sprintf("with --quick (implied when set), multiply every duration by this instead of %g, e.g. 0.25", load.DefaultQuickFactor))
		promURL      = fs.String("prometheus-url", "", "use this Prometheus (remote-write receiver on) instead of starting one")
		keep         = fs.Bool("keep", false, "leave the Prometheus we started running at the end, to browse the results")
		testID       = fs.String("testid", "", "name of this run (default: its start time); trials are <testid>-t1…")
		trials       = fs.Int("trials", runner.DefaultTrials, "repeat every server × scenario this many times, interleaved, for 95 % intervals and ties (3 or more to trust a ranking)")
		orderSeed    = fs.Uint64("order-seed", 0, "seed of each trial's server order (default: from the clock; printed in results.json)")
		sweepStart   = fs.Int("sweep-start", sweep.DefaultStartRate, "with --scenarios sweep: the first step's arrival rate (streams/s)")
		sweepFactor  = fs.Float64("sweep-factor", sweep.DefaultFactor, "with --scenarios sweep: each step's rate is the previous one's × this")
		sweepGoodput = fs.Float64("sweep-goodput", sweep.DefaultGoodputTarget, "the sweep's SLO: the share of a step's streams (0..1) that must meet the per-stream SLO (--slo)")
		sweepStep    time.Duration
		sloMargin    time.Duration
		warmUp       time.Duration
		noReference  = fs.Bool("no-reference", false, "skip the direct reference (the stub with no proxy in front)")
		reportDir    = fs.String("report-dir", "", "where report/<testid>/ is written (default: <repo>/report)")
		dataDir      = fs.String("data-dir", "", "Prometheus data and logs, kept across runs for trends (default: <repo>/.ssebench/prometheus)")
		stubArgs     = fs.String("stub-args", "", "extra flags for the stub, space-separated, e.g. \"--inter-token-delay=2ms\"")
		headers      = repeatedHeaders{}
		slo          = load.DefaultSLO
		noExporter   = fs.Bool("no-exporter", false, "do not start the exporter (CPU and memory columns show —)")
		noReport     = fs.Bool("no-report", false, "do not write the HTML report")
		alerts       = fs.Bool("alerts", false, "start Alertmanager with prometheus/alertmanager.yml; the rules judge this run against earlier ones")
		alertsHook   = fs.String("alerts-webhook", "", "send alert notifications to this webhook URL instead of the configured receiver")
		verbose      = fs.Bool("v", false, "log diagnostics to stderr")
	)
	fs.Duration(&sweepStep, "sweep-step", 0, fmt.Sprintf("with --scenarios sweep: each step's duration (default %s, × the quick factor)", sweep.DefaultStep))
	fs.Duration(&sloMargin, "slo-ttft-margin", sweep.DefaultTTFTMargin, "the sweep's second rule: p99 TTFT at most direct's (first step) plus this")
	fs.Duration(&duetRound, "duet-round", runner.DefaultDuetRound, fmt.Sprintf("with --scenarios duet: one round's length (with --quick: × the quick factor, at least %s)", runner.DuetQuickRoundFloor))
	fs.Duration(&duetBudget, "duet-budget", runner.DefaultDuetBudget, fmt.Sprintf("with --scenarios duet: stop after this much time of rounds even if not precise enough (with --quick: × the quick factor, at least %s)", runner.DuetQuickBudgetFloor))
	fs.Duration(&warmUp, "warm-up", 0, "before each server's first scenario of a trial, this long at 10 VUs, measured by nobody (e.g. 5s; 0: none)")
	fs.Var(&slo, "slo", sloUsage)
	fs.Var(headers, "header", "extra request header for every stream, `Name: value` (repeatable; one per line in the variable), e.g. X-Stub-Tokens: 32")
	if err := fs.Parse(args, sys.LookupEnv); err != nil {
		return fs, runner.Config{}, err
	}
	if *sweepStart <= 0 || *sweepFactor <= 1 || sloMargin <= 0 {
		return fs, runner.Config{}, cli.Usagef("the sweep needs --sweep-start > 0 (got %d), --sweep-factor > 1 (got %g) and --slo-ttft-margin > 0 (got %s)",
			*sweepStart, *sweepFactor, sloMargin)
	}
	if *quickFactor < 0 || *quickFactor > 1 {
		return fs, runner.Config{}, cli.Usagef("--quick-factor %g: want a share of the full durations, in (0, 1]", *quickFactor)
	}
	if warmUp < 0 || warmUp > 10*time.Minute {
		return fs, runner.Config{}, cli.Usagef("--warm-up %s: want 0 to 10m", warmUp)
	}
	duetCfg := runner.DuetConfig{Rate: *duetRate, Reference: *duetRef, NoAA: *noAA, Precision: *duetPrec, Round: duetRound, Budget: duetBudget, Workload: *duetWorkload}
	if *quick || *quickFactor > 0 {
		duetCfg.Round, duetCfg.Budget = 0, 0 // the quick defaults, unless set below
		if fs.IsSet("duet-round") {
			duetCfg.Round = duetRound
		}
		if fs.IsSet("duet-budget") {
			duetCfg.Budget = duetBudget
		}
	}
	if err := duetCfg.Validate(); err != nil {
		return fs, runner.Config{}, cli.Usagef("%v", err)
	}
	if *trials < 1 || *trials > 100 {
		return fs, runner.Config{}, cli.Usagef("--trials %d: want 1 to 100", *trials)
	}
	root, err := repo.FindRoot()
	if err != nil {
		return fs, runner.Config{}, err
	}
	logLevel := slog.LevelWarn
	if *verbose {
		logLevel = slog.LevelDebug
	}
	return fs, runner.Config{
		Root: root, Servers: splitCSV(*serverList), Scenarios: splitCSV(*scenarioList), Quick: *quick || *quickFactor > 0, QuickFactor: *quickFactor,
		PrometheusURL: strings.TrimRight(*promURL, "/"), Keep: *keep, TestID: *testID,
		Trials: *trials, OrderSeed: *orderSeed, Reference: !*noReference, WarmUp: warmUp,
		Sweep: sweep.Config{StartRate: *sweepStart, Factor: *sweepFactor, Step: sweepStep, TTFTMargin: sloMargin, GoodputTarget: *sweepGoodput},
		Duet:  duetCfg, ServersFile: serversFileOf(root, *serversFile),
		ReportDir: reportDirOf(root, *reportDir), DataDir: absPathOrEmpty(*dataDir), StubArgs: strings.Fields(*stubArgs),
		Headers: http.Header(headers), SLO: slo, NoExporter: *noExporter, NoReport: *noReport,
		Alerts: *alerts, AlertsWebhook: *alertsHook,
		Stdout: sys.Stdout, TTY: isTerminal(sys.Stdout),
		Logger: slog.New(slog.NewTextHandler(sys.Stderr, &slog.HandlerOptions{Level: logLevel})),
	}, nil
}

// secondSignalQuits hands the signals back to their default once the first has arrived: the
// run then stops its children in order and still prints what it measured (draining pushes
// can take a minute), while a second Ctrl-C quits at once — the children die with ssebench.
func secondSignalQuits(ctx context.Context, stop func(), stderr io.Writer) {
	<-ctx.Done()
	stop()
	fmt.Fprintln(stderr, "ssebench run: interrupted; stopping every child and reporting what was measured (Ctrl-C again to quit at once)")
}

// serversFileOf is the servers file to read: the flag's (or $SSEBENCH_SERVERS_FILE's),
// relative to where the user stands, or the repository's own.
func serversFileOf(root, flagValue string) string {
	if flagValue == "" {
		return servers.RegistryFile(root, func(string) (string, bool) { return "", false })
	}
	return servers.ResolveRegistryFile(root, absPathOrEmpty(flagValue))
}
