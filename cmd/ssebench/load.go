package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/loadrun"
	"github.com/ssebench/ssebench/internal/progress"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/repo"
	"github.com/ssebench/ssebench/internal/run"
)

func init() {
	register("load", "the Go load generator: one scenario of k6/scenarios.json against one server", loadMain)
}

func loadMain(args []string, sys cli.IO) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return loadCommand(ctx, args, sys, isTerminal(sys.Stdout))
}

// loadFlags are the parsed flags of `ssebench load`.
type loadFlags struct {
	target, scenario, scenariosFile, server, testID, remoteWriteURL string
	summaryJSON, summaryExport, summaryCSV                          string
	segment, segmentSequence, remoteWriteProtocol                   string
	seg                                                             *load.Segment // parsed from segment and segmentSequence
	quick                                                           bool
	quickFactor                                                     float64
	headers                                                         http.Header
	slo                                                             load.SLO
	verbose                                                         bool
}

// sloUsage is --slo's help, the same in `ssebench load` and `ssebench run`.
const sloUsage = "per-stream SLO of goodput (ssebench_goodput_streams_total): `bounds` ttft<=D and/or gap<=D, comma-separated Go durations; a stream meets it with status 200, [DONE], no error, its first event within ttft of the request and every gap between events within gap"

func parseLoadFlags(args []string, lookupEnv func(string) (string, bool)) (*loadFlags, *cli.FlagSet, error) {
	fs := cli.NewFlagSet("ssebench load", "SSEBENCH")
	fs.About = "The Go load generator alone: one scenario of k6/scenarios.json (k6's executors) against one URL, every stream checked, a k6-style summary at the end, optionally remote-written to Prometheus every second."
	fs.Examples = []string{
		"ssebench load --target http://127.0.0.1:8081 --scenario stress --quick",
		"ssebench load --target http://127.0.0.1:8081 --remote-write-url http://127.0.0.1:9090/api/v1/write",
		"ssebench load --target http://127.0.0.1:18080 --header 'X-Stub-Tokens: 64' --summary-json out.json",
		"ssebench load --target http://127.0.0.1:8081 --slo 'ttft<=200ms,gap<=50ms'   # goodput: the streams within both bounds",
		"SSEBENCH_TARGET=http://127.0.0.1:8081 SSEBENCH_SCENARIO=baseline ssebench load",
		"ssebench load --target http://10.0.0.5:8081 --testid run1 --execution-segment 1/3:2/3 --execution-segment-sequence 0,1/3,2/3,1 --remote-write-url http://prom:9090/api/v1/write",
	}
	f := &loadFlags{headers: http.Header{}, slo: load.DefaultSLO}
	fs.StringVar(&f.target, "target", "", "base URL of the server under test, e.g. http://127.0.0.1:8081 (required)")
	fs.StringVar(&f.scenario, "scenario", "baseline", "scenario name in the scenarios file")
	fs.StringVar(&f.scenariosFile, "scenarios-file", "", "scenario file (default: k6/scenarios.json in the current directory or the repository root)")
	fs.BoolVar(&f.quick, "quick", false, "the same shape, seconds long (every duration × --quick-factor)")
	fs.Float64Var(&f.quickFactor, "quick-factor", load.DefaultQuickFactor, "duration factor of --quick")
	fs.StringVar(&f.server, "server", "", "server label on every series (default: the target's host:port)")
	fs.StringVar(&f.testID, "testid", "", "testid label (default: the start time, sortable)")
	fs.StringVar(&f.remoteWriteURL, "remote-write-url", "", "push the metrics every second to this remote-write URL, e.g. http://127.0.0.1:9090/api/v1/write")
	fs.StringVar(&f.remoteWriteProtocol, "remote-write-protocol", remotewrite.ProtocolV2, "remote-write protocol version: 2.0, or 1.0 for receivers without 2.0 (Thanos Receive, VictoriaMetrics, Mimir); 1.0 carries no metric type or help")
	fs.StringVar(&f.segment, "execution-segment", "", "run only this share of the scenario, as k6 does, e.g. 1/3:2/3 (series get load_instance=<segment>; give every generator the same --testid)")
	fs.StringVar(&f.segmentSequence, "execution-segment-sequence", "", "all the segments the run is split into, as k6's, e.g. 0,1/3,2/3,1 (default: the segment filled out to 0:1)")
	fs.StringVar(&f.summaryJSON, "summary-json", "", "also write the summary as JSON to this file")
	fs.StringVar(&f.summaryExport, "summary-export", "", "also write the summary in the shape of k6's --summary-export file (metrics by k6's names, trends in ms)")
	fs.StringVar(&f.summaryCSV, "summary-csv", "", "also write that k6-shaped summary as CSV rows: metric, stat, value")
	fs.Var(&f.slo, "slo", sloUsage)
	fs.BoolVar(&f.verbose, "v", false, "log diagnostics to stderr")
	fs.Var(repeatedHeaders(f.headers), "header", "extra request header, `Name: value` (repeatable; one per line in the variable), e.g. \"X-Stub-Tokens: 32\"")
	if err := fs.Parse(args, lookupEnv); err != nil {
		return nil, fs, err
	}
	return f, fs, f.validate()
}

func (f *loadFlags) validate() error {
	if f.target == "" {
		return cli.Usagef("--target is required (or $SSEBENCH_TARGET), e.g. --target http://127.0.0.1:8081")
	}
	if _, err := load.ParseTarget(f.target); err != nil {
		return cli.Usagef("--target: %v", err)
	}
	if f.quickFactor <= 0 || f.quickFactor > 1 {
		return cli.Usagef("--quick-factor %v: want a factor in (0, 1]", f.quickFactor)
	}
	if f.remoteWriteProtocol != remotewrite.ProtocolV1 && f.remoteWriteProtocol != remotewrite.ProtocolV2 {
		return cli.Usagef("--remote-write-protocol %q: want %s or %s", f.remoteWriteProtocol, remotewrite.ProtocolV1, remotewrite.ProtocolV2)
	}
	var err error
	if f.seg, err = load.ParseSegment(f.segment, f.segmentSequence); err != nil {
		return cli.Usagef("--execution-segment / --execution-segment-sequence: %v", err)
	}
	if f.seg != nil && f.testID == "" { // the default testid is the start time: each generator's would differ
		return cli.Usagef("--execution-segment %s needs --testid: every generator of a split run must push the same testid", f.seg)
	}
	return nil
}

func loadCommand(ctx context.Context, args []string, sys cli.IO, tty bool) int {
	f, fs, err := parseLoadFlags(args, sys.LookupEnv)
	if err != nil {
		return fs.Exit(err, sys)
	}
	stdout := sys.Stdout
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(sys.Stderr, &slog.HandlerOptions{Level: level}))
	sc, clients, err := pickScenario(f)
	if err != nil {
		return fs.Exit(cli.Usagef("%v", err), sys)
	}
	if err := load.CheckFileLimit(sc, f.seg, clients); err != nil {
		return fs.Exit(err, sys)
	}
	if err := load.CheckReachable(ctx, f.target); err != nil {
		return fs.Exit(err, sys)
	}
	u, _ := load.ParseTarget(f.target)
	if f.server == "" {
		f.server = u.Host
	}
	if f.testID == "" {
		f.testID = run.NewID(time.Now())
	}
	var push remotewrite.Config
	if f.remoteWriteURL != "" {
		push = remotewrite.Config{URL: f.remoteWriteURL, Interval: time.Second, Logger: logger, Protocol: f.remoteWriteProtocol}
	}
	bar := progress.New(stdout, tty)
	status := cli.ExitOK
	lr, err := loadrun.New(loadrun.Options{
		Load: load.Options{Target: f.target, TestID: f.testID, Server: f.server, ScenarioName: f.scenario,
			Scenario: sc, Segment: f.seg, Headers: f.headers, Clients: clients, SLO: f.slo, Logger: logger},
		Push: push,
		Progress: func(p load.Progress, dropped int64) {
			bar.Update(progress.FromLoad(p, 1, 1, f.server, f.scenario).WithDropped(dropped))
		},
		Ended: func(summary *load.Summary, err error) {
			bar.Done()
			if err == nil {
				status = writeSummary(f, summary, fs, sys) // while the last pushes go out
			}
		},
	})
	if err != nil {
		return fs.Exit(cli.Usagef("--remote-write-url: %v", err), sys)
	}
	mine, err := sc.InSegment(f.seg)
	if err != nil {
		return fs.Exit(cli.Usagef("--execution-segment: %v", err), sys)
	}
	fmt.Fprintf(stdout, "ssebench load: %s (%s, %s, up to %d VUs%s) against %s · testid %s%s · SLO %s\n",
		f.scenario, sc.Executor(), sc.Length(), mine.MaxVUCount(), clientsNote(clients), f.target, f.testID, segmentNote(f.seg), f.slo)
	res := lr.Run(ctx)
	if res.Err != nil {
		return fs.Exit(res.Err, sys)
	}
	if lr.Pushing() {
		if err := pushOutcome(res, sys.Stdout); err != nil {
			status = fs.Exit(err, sys)
		}
	}
	if res.Summary.Aborted && status == cli.ExitOK {
		status = 130
	}
	return status
}

// writeSummary prints the summary and writes the files asked for; any failure exits 1.
func writeSummary(f *loadFlags, summary *load.Summary, fs *cli.FlagSet, sys cli.IO) int {
	status := cli.ExitOK
	if err := summary.WriteText(sys.Stdout); err != nil {
		status = fs.Exit(err, sys)
	}
	for _, out := range []struct {
		flag, path string
		write      func(io.Writer) error
	}{
		{"--summary-json", f.summaryJSON, summary.WriteJSON},
		{"--summary-export", f.summaryExport, summary.WriteK6Export},
		{"--summary-csv", f.summaryCSV, summary.WriteCSV},
	} {
		if out.path == "" {
			continue
		}
		if err := writeFile(out.path, out.write); err != nil {
			status = fs.Exit(fmt.Errorf("%s: %w", out.flag, err), sys)
		}
	}
	return status
}

// clientsNote names the scenario's misbehaving clients; nothing without them.
func clientsNote(c load.Clients) string {
	var note string
	if c.Cancel != nil {
		note += fmt.Sprintf(", %g %% of arrivals cancelling", 100*c.Cancel.Share)
	}
	if c.SlowReaders != nil {
		note += fmt.Sprintf(", %d slow readers", c.SlowReaders.Count)
	}
	return note
}

// segmentNote says which share of a split run this instance runs; nothing for a whole run.
func segmentNote(seg *load.Segment) string {
	if seg == nil {
		return ""
	}
	return fmt.Sprintf(" · execution segment %s of %s", seg, seg.Sequence())
}

// pickScenario finds the scenario file and the named scenario in it, Quick-scaled if asked,
// with its misbehaving clients; its stream's headers go under the user's, and its own SLO
// (idle-streams') replaces --slo, as in `ssebench run`.
func pickScenario(f *loadFlags) (load.Scenario, load.Clients, error) {
	path := f.scenariosFile
	if path == "" {
		path = filepath.FromSlash(load.ScenariosPath)
		if _, err := os.Stat(path); err != nil {
			root, rerr := repo.FindRoot()
			if rerr != nil {
				return nil, load.Clients{}, fmt.Errorf("no k6/scenarios.json here and no repository root above: %w; pass --scenarios-file", rerr)
			}
			path = filepath.Join(root, path)
		}
	}
	file, err := load.ReadScenarioFile(path)
	if err != nil {
		return nil, load.Clients{}, err
	}
	sc, ok := file.Get(f.scenario)
	if !ok {
		return nil, load.Clients{}, fmt.Errorf("--scenario %q is not in %s (it has: %s)", f.scenario, path, strings.Join(file.Names(), ", "))
	}
	if f.quick {
		sc = sc.Quick(f.quickFactor)
	}
	// The scenario's stream shape, under any --header the user gave (theirs says the last word).
	for k, vs := range sc.Stream.Headers() {
		if _, set := f.headers[k]; !set {
			f.headers[k] = vs
		}
	}
	if sc.SLO != nil {
		f.slo = *sc.SLO
	}
	return sc.Scenario, sc.Clients, nil
}

// writeFile creates path and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// pushOutcome says what the final push delivered; an error says what was lost.
func pushOutcome(res loadrun.Result, stdout io.Writer) error {
	stats := res.Push
	fmt.Fprintf(stdout, "\n  remote write: %d samples and %d histograms sent, %d dropped, %d retries\n",
		stats.SamplesSent, stats.HistogramsSent, stats.SamplesDropped, stats.Retries)
	if res.PushErr != nil {
		return fmt.Errorf("remote write: %w", res.PushErr)
	}
	if stats.SamplesDropped > 0 {
		return fmt.Errorf("remote write dropped %d samples: Prometheus misses part of this run", stats.SamplesDropped)
	}
	return nil
}
