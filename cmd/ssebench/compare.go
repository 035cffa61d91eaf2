package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/model"

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
	compareUsage      = 2
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

const compareUsageText = `usage: ssebench compare [flags] BASELINE CANDIDATE
       ssebench compare [flags] --baseline 14d CANDIDATE

Per server × scenario, the delta of each results-table column of CANDIDATE against BASELINE
(a run id: its trials are found), or against the earlier runs of a trailing window (every
trial of every earlier run is one baseline value): the delta of the means over trials with
Welch's 95 % interval from the trials' run-to-run spread. With one trial on each side there
is no spread to judge by: deltas are shown, never called significant (run --trials 3).
Exit status: 0 no regression; 1 a significant regression beyond --threshold; 2 usage; 3 error.
`

func compareMain(args []string) int {
	return runCompare(args, os.Stdout, os.Stderr)
}

func runCompare(args []string, stdout, stderr io.Writer) int {
	f, err := parseCompareFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return compareOK
		}
		fmt.Fprintln(stderr, "ssebench compare:", err)
		return compareUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	url, closeRuns, err := openRuns(ctx, f.promURL, f.dataDir, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "ssebench compare:", err)
		return compareFailed
	}
	defer closeRuns()
	f.promURL = url
	rep, err := buildComparison(ctx, f)
	if err != nil {
		fmt.Fprintln(stderr, "ssebench compare:", err)
		return compareFailed
	}
	switch f.format {
	case "markdown":
		err = rep.WriteMarkdown(stdout)
	case "json":
		err = rep.WriteJSON(stdout)
	default:
		err = rep.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ssebench compare:", err)
		return compareFailed
	}
	if regs := rep.Regressions(f.threshold); len(regs) > 0 {
		fmt.Fprintf(stderr, "ssebench compare: %d significant regression(s) beyond %.1f %%: %s\n", len(regs), 100*f.threshold, strings.Join(regs, "; "))
		return compareRegression
	}
	return compareOK
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

func parseCompareFlags(args []string, stderr io.Writer) (compareFlags, error) {
	var f compareFlags
	var window, lookback, threshold string
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, compareUsageText, "\nflags:\n"); fs.PrintDefaults() }
	fs.StringVar(&f.promURL, "prometheus-url", envString("SSEBENCH_PROMETHEUS_URL", ""), "Prometheus holding the runs (default: "+defaultPromURL+" if it answers, else the runs `ssebench run` kept, opened read-only by a Prometheus of our own) [$SSEBENCH_PROMETHEUS_URL]")
	fs.StringVar(&f.dataDir, "data-dir", envString("SSEBENCH_DATA_DIR", ""), "where `ssebench run` kept its Prometheus data (default: <repo>/.ssebench/prometheus) [$SSEBENCH_DATA_DIR]")
	fs.StringVar(&f.format, "format", envString("SSEBENCH_COMPARE_FORMAT", "table"), "table, markdown or json [$SSEBENCH_COMPARE_FORMAT]")
	fs.StringVar(&window, "baseline", envString("SSEBENCH_COMPARE_BASELINE", ""), "compare against the runs of this window before the candidate, e.g. 14d [$SSEBENCH_COMPARE_BASELINE]")
	fs.StringVar(&lookback, "lookback", envString("SSEBENCH_COMPARE_LOOKBACK", "30d"), "how far back to look for the runs [$SSEBENCH_COMPARE_LOOKBACK]")
	fs.StringVar(&threshold, "threshold", envString("SSEBENCH_COMPARE_THRESHOLD", "5"), "percent: a significant change for the worse beyond this exits 1 [$SSEBENCH_COMPARE_THRESHOLD]")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "deadline for the whole comparison")
	flags, positional, err := splitInterspersed(args)
	if err != nil {
		return f, err
	}
	if err := fs.Parse(flags); err != nil {
		return f, err
	}
	if err := f.resolve(window, lookback, threshold, positional); err != nil {
		return f, err
	}
	return f, nil
}

func (f *compareFlags) resolve(window, lookback, threshold string, positional []string) error {
	var err error
	if window != "" {
		if f.window, err = positiveDuration("--baseline", window); err != nil {
			return err
		}
	}
	if f.lookback, err = positiveDuration("--lookback", lookback); err != nil {
		return err
	}
	pct, err := strconv.ParseFloat(threshold, 64)
	if err != nil || pct < 0 {
		return fmt.Errorf("--threshold %q: want a percentage ≥ 0, e.g. 5", threshold)
	}
	f.threshold = pct / 100
	switch f.format {
	case "table", "markdown", "json":
	default:
		return fmt.Errorf("--format %q: want table, markdown or json", f.format)
	}
	if f.timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	switch {
	case f.window > 0 && len(positional) == 1:
		f.candRun = positional[0]
	case f.window == 0 && len(positional) == 2:
		f.baselineRun, f.candRun = positional[0], positional[1]
	case f.window > 0:
		return fmt.Errorf("with --baseline give one run, the candidate; got %d: %q", len(positional), positional)
	default:
		return fmt.Errorf("give two runs, BASELINE CANDIDATE, or one with --baseline WINDOW; got %d: %q", len(positional), positional)
	}
	for _, id := range []string{f.baselineRun, f.candRun} {
		if strings.ContainsAny(id, "\"\\\n") {
			return fmt.Errorf("testid %q: quotes, backslashes and newlines are not allowed", id)
		}
	}
	return nil
}

// positiveDuration accepts Prometheus durations (14d, 1h30m) as well as Go's.
func positiveDuration(name, s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		gd, gerr := time.ParseDuration(s)
		if gerr != nil {
			return 0, fmt.Errorf("%s %q: want a duration such as 14d or 36h", name, s)
		}
		d = model.Duration(gd)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%s %q must be positive", name, s)
	}
	return time.Duration(d), nil
}

// splitInterspersed separates flags from run names, so that `compare A --baseline 14d`
// works as well as `compare --baseline 14d A`. Every flag of compare takes a value.
func splitInterspersed(args []string) (flags, positional []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(positional, args[i+1:]...), nil
		case a == "-h" || a == "-help" || a == "--help":
			flags = append(flags, a)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			if !strings.Contains(a, "=") {
				if i+1 >= len(args) {
					return nil, nil, fmt.Errorf("flag %s needs a value", a)
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
