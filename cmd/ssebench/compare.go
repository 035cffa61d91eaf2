package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/compare"
	"github.com/ssebench/ssebench/internal/run"
)

func init() {
	register("compare", "compare two runs (or one against its trailing baseline) with 95 % confidence intervals", compareMain)
}

// Exit statuses of `ssebench compare`, for CI gates.
const (
	compareOK         = 0
	compareRegression = 1 // a significant change for the worse beyond --threshold
	compareUsage      = cli.ExitUsage
	compareFailed     = 3 // Prometheus unreachable, unknown run, …
)

type compareFlags struct {
	promURL, format      string
	dataDir              string
	baselineRun, candRun string
	window, lookback     time.Duration
	threshold            float64 // relative, e.g. 0.05
	timeout              time.Duration
}

const compareAbout = `Per server × scenario, the delta of each results-table column of CANDIDATE against BASELINE
(a run id: its trials are found), or against the earlier runs of a trailing window (every
trial of every earlier run is one baseline value): the delta of the means over trials with
Welch's 95 % interval from the trials' run-to-run spread. With one trial on each side there
is no spread to judge by: deltas are shown, never called significant (run --trials 3).
Exit status: 0 no regression; 1 a significant regression beyond --threshold; 2 usage; 3 error
(1 is the CI gate, so a failure to compare is 3, not 1).`

func compareMain(args []string, sys cli.IO) int {
	f, fs, err := parseCompareFlags(args, sys.LookupEnv)
	if err != nil {
		return fs.Exit(err, sys)
	}
	failed := func(err error) int {
		fs.Exit(err, sys)
		return compareFailed
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	url, closeRuns, err := openRuns(ctx, f.promURL, f.dataDir, sys.Stderr)
	if err != nil {
		return failed(err)
	}
	defer closeRuns()
	f.promURL = url
	rep, err := buildComparison(ctx, f)
	if err != nil {
		return failed(err)
	}
	if err := writeComparison(rep, f.format, sys.Stdout); err != nil {
		return failed(err)
	}
	if regs := rep.Regressions(f.threshold); len(regs) > 0 {
		fmt.Fprintf(sys.Stderr, "%s: %d significant regression(s) beyond %.1f %%: %s\n", fs.Name(), len(regs), 100*f.threshold, strings.Join(regs, "; "))
		return compareRegression
	}
	return compareOK
}

func writeComparison(rep *compare.Report, format string, w io.Writer) error {
	switch format {
	case "markdown":
		return rep.WriteMarkdown(w)
	case "json":
		return rep.WriteJSON(w)
	}
	return rep.WriteText(w)
}

func buildComparison(ctx context.Context, f compareFlags) (*compare.Report, error) {
	q, err := run.NewQuerier(f.promURL)
	if err != nil {
		return nil, fmt.Errorf("--prometheus-url: %w", err)
	}
	now := time.Now()
	baseline := []string{f.baselineRun}
	if f.window > 0 {
		trials, err := q.Trials(ctx, f.candRun, now, f.lookback)
		if err != nil {
			return nil, err
		}
		if baseline, err = compare.EarlierRuns(ctx, q, f.candRun, trials[0].Start, f.window); err != nil {
			return nil, err
		}
	}
	return compare.Compare(ctx, compare.Options{Querier: q, Candidate: f.candRun, Baseline: baseline,
		Lookback: f.lookback + f.window, Now: now})
}

func parseCompareFlags(args []string, lookupEnv func(string) (string, bool)) (compareFlags, *cli.FlagSet, error) {
	var f compareFlags
	var threshold float64
	fs := cli.NewFlagSet("ssebench compare", "SSEBENCH")
	fs.Synopsis = []string{"ssebench compare [flags] BASELINE CANDIDATE", "ssebench compare [flags] --baseline 14d CANDIDATE"}
	fs.About = compareAbout
	fs.Examples = []string{
		"ssebench compare 20261201-101500 20261202-093000        # two runs, by testid",
		"ssebench compare --baseline 14d 20261202-093000         # against every run of the 14 days before",
		"ssebench compare --format markdown --threshold 3 before after",
		"SSEBENCH_PROMETHEUS_URL=http://127.0.0.1:9090 ssebench compare before after",
	}
	fs.StringVar(&f.promURL, "prometheus-url", "", "Prometheus holding the runs (default: "+defaultPromURL+" if it answers, else the runs `ssebench run` kept, opened read-only by a Prometheus of our own)")
	fs.StringVar(&f.dataDir, "data-dir", "", "where `ssebench run` kept its Prometheus data (default: <repo>/.ssebench/prometheus)")
	fs.StringVar(&f.format, "format", "table", "table, markdown or json")
	fs.Duration(&f.window, "baseline", 0, "compare against the runs of this window before the candidate, e.g. 14d")
	fs.Duration(&f.lookback, "lookback", 30*24*time.Hour, "how far back to look for the runs")
	fs.Float64Var(&threshold, "threshold", 5, "percent: a significant change for the worse beyond this exits 1")
	fs.Duration(&f.timeout, "timeout", 5*time.Minute, "deadline for the whole comparison")
	flags, positional, err := splitInterspersed(args)
	if err != nil {
		return f, fs, err
	}
	if err := fs.Parse(flags, lookupEnv); err != nil {
		return f, fs, err
	}
	f.threshold = threshold / 100
	return f, fs, f.resolve(fs, positional)
}

func (f *compareFlags) resolve(fs *cli.FlagSet, positional []string) error {
	if fs.IsSet("baseline") && f.window <= 0 {
		return cli.Usagef("--baseline %s: want a window such as 14d", cli.FormatDuration(f.window))
	}
	if f.lookback <= 0 || f.timeout <= 0 {
		return cli.Usagef("--lookback and --timeout must be positive")
	}
	if f.threshold < 0 {
		return cli.Usagef("--threshold %g: want a percentage ≥ 0, e.g. 5", 100*f.threshold)
	}
	switch f.format {
	case "table", "markdown", "json":
	default:
		return cli.Usagef("--format %q: want table, markdown or json", f.format)
	}
	switch {
	case f.window > 0 && len(positional) == 1:
		f.candRun = positional[0]
	case f.window == 0 && len(positional) == 2:
		f.baselineRun, f.candRun = positional[0], positional[1]
	case f.window > 0:
		return cli.Usagef("with --baseline give one run, the candidate; got %d: %q", len(positional), positional)
	default:
		return cli.Usagef("give two runs, BASELINE CANDIDATE, or one with --baseline WINDOW; got %d: %q", len(positional), positional)
	}
	for _, id := range []string{f.baselineRun, f.candRun} {
		if strings.ContainsAny(id, "\"\\\n") {
			return cli.Usagef("testid %q: quotes, backslashes and newlines are not allowed", id)
		}
	}
	return nil
}

// splitInterspersed separates flags from run names, so that `compare A --baseline 14d`
// works as well as `compare --baseline 14d A`. Every flag of compare takes a value.
func splitInterspersed(args []string) (flags, positional []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(positional, args[i+1:]...), nil
		case a == "-h" || a == "-help" || a == "--help" || a == "-version" || a == "--version":
			flags = append(flags, a)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			if !strings.Contains(a, "=") {
				if i+1 >= len(args) {
					return nil, nil, cli.Usagef("flag %s needs a value", a)
				}
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	return flags, positional, nil
}
