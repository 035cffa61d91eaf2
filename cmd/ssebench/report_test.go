package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/repo"
)

func TestReportFlagsNameWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--testid is required"},
		{[]string{"--testid", "t1", "--start", "2026-11-27T04:00:00Z"}, "both --start and --end"},
		{[]string{"--testid", "t1", "--lookback", "0s"}, "--lookback"},
		{[]string{"--testid", "t1", "extra"}, "unexpected argument"},
		{[]string{"--testid", "t1", "--format", "json"}, `--format "json": want html or aiperf`},
		{[]string{"--testid", "t1", "--format", "AIPerf"}, `--format "AIPerf"`},
	} {
		_, _, err := parseReportFlags(tc.args, cli.MapEnv(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	f, _, err := parseReportFlags(nil, cli.MapEnv(map[string]string{"SSEBENCH_TESTID": "from-env"}))
	if err != nil || f.testid != "from-env" {
		t.Fatalf("testid from $SSEBENCH_TESTID: %+v, %v", f, err)
	}
	if f.format != formatHTML {
		t.Errorf("default format %q, want %q: the report as it always was", f.format, formatHTML)
	}
	f, _, err = parseReportFlags([]string{"--testid", "t1"}, cli.MapEnv(map[string]string{"SSEBENCH_FORMAT": "aiperf"}))
	if err != nil || f.format != formatAIPerf {
		t.Errorf("format from $SSEBENCH_FORMAT: %+v, %v", f, err)
	}
}

func TestReportRefusesAnInvertedSpan(t *testing.T) {
	f := reportFlags{testid: "t1", start: "2026-11-27T04:10:00Z", end: "2026-11-27T04:00:00Z"}
	if _, err := reportTrials(context.Background(), nil, f); err == nil || !strings.Contains(err.Error(), "not after") {
		t.Fatalf("got %v", err)
	}
	f.end = "yesterday"
	if _, err := reportTrials(context.Background(), nil, f); err == nil || !strings.Contains(err.Error(), "--end") {
		t.Fatalf("got %v", err)
	}
}

// A run Prometheus knows nothing about is an error naming the testid, not an empty report.
func TestReportOfAnUnknownRunFails(t *testing.T) {
	bin := promrun.RequireBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	prom, err := promrun.Start(ctx, promrun.Options{Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := prom.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	for _, format := range []string{formatHTML, formatAIPerf} {
		out := t.TempDir()
		_, err = runReport(ctx, reportFlags{testid: "no-such-run", promURL: prom.URL(), out: out, lookback: time.Hour, format: format})
		if err == nil || !strings.Contains(err.Error(), "no-such-run") {
			t.Fatalf("%s: got %v, want an error naming the testid", format, err)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("%s: a failed report left files behind: %v", format, entries)
		}
	}
}

// report writes where run does: the repository's report/ folder by default, wherever the
// command is started inside the repository, and an explicit --report-dir as given.
func TestReportWritesWhereRunDoes(t *testing.T) {
	root, err := repo.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	_, cfg, err := parseRunFlags(nil, cli.IO{LookupEnv: cli.MapEnv(nil), Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := parseReportFlags([]string{"--testid", "t1"}, cli.MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "report"); f.out != want || cfg.ReportDir != want {
		t.Errorf("default report dir: report %q, run %q, want both %q", f.out, cfg.ReportDir, want)
	}
	dir := t.TempDir()
	f, _, err = parseReportFlags([]string{"--testid", "t1", "--report-dir", dir}, cli.MapEnv(nil))
	if err != nil || f.out != dir {
		t.Errorf("--report-dir %s: got %q, %v", dir, f.out, err)
	}
	if got := reportDirOf("", ""); !filepath.IsAbs(got) || filepath.Base(got) != "report" {
		t.Errorf("outside a repository: got %q, want ./report made absolute", got)
	}
}
