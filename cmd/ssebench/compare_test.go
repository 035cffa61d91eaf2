package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/benchtest"
	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/run"
)

// runCompare runs compare with no environment, as if nothing of SSEBENCH_* were set.
func runCompare(args []string, stdout, stderr io.Writer) int {
	return compareMain(args, cli.IO{Stdout: stdout, Stderr: stderr, LookupEnv: cli.MapEnv(nil)})
}

func TestCompareFlagsNameWhatIsWrong(t *testing.T) {
	cases := map[string][]string{
		"give two runs":   {"only-one"},
		"with --baseline": {"--baseline", "14d", "a", "b"},
		"--threshold":     {"--threshold", "lots", "a", "b"},
		"--format":        {"--format", "csv", "a", "b"},
		"--baseline 0s":   {"--baseline", "0s", "a"},
		"needs a value":   {"a", "b", "--format"},
		"quotes":          {"a", `b"`},
	}
	for want, args := range cases {
		var stderr strings.Builder
		if code := runCompare(args, &strings.Builder{}, &stderr); code != compareUsage {
			t.Errorf("%q: exit %d, want %d", args, code, compareUsage)
		}
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("%q: stderr %q does not mention %q", args, stderr.String(), want)
		}
	}
}

func TestCompareAcceptsFlagsAfterTheRun(t *testing.T) {
	f, _, err := parseCompareFlags([]string{"cand", "--baseline", "14d", "--format=json"}, cli.MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if f.candRun != "cand" || f.window != 14*24*time.Hour || f.format != "json" {
		t.Fatalf("%+v", f)
	}
}

// Two real runs of go-http of three interleaved trials each, the second with the stub 50 %
// slower between tokens: judged by the trials' run-to-run spread.
func TestCompareTwoRealRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two load runs against go-http")
	}
	bin := promrun.RequireBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dataDir := t.TempDir()
	prom, err := promrun.Start(ctx, promrun.Options{Binary: bin, DataDir: filepath.Join(dataDir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer prom.Stop(context.Background())
	stubURL := benchtest.StartStub(t)
	proxy := benchtest.StartServer(t, "go-http", stubURL)
	for trial := 1; trial <= 3; trial++ {
		for _, r := range []struct {
			id    string
			delay time.Duration
		}{{"before", 20 * time.Millisecond}, {"after", 30 * time.Millisecond}} {
			benchtest.Push(t, benchtest.Run{WriteURL: prom.RemoteWriteURL(), Target: proxy.URL(), TestID: run.TrialTestID(r.id, trial, 3),
				Server: "go-http", Scenario: "baseline", VUs: 10, Duration: 7 * time.Second, InterTokenDelay: r.delay})
		}
	}

	var out, stderr strings.Builder
	code := runCompare([]string{"--prometheus-url", prom.URL(), "--lookback", "1h", "before", "after"}, &out, &stderr)
	t.Logf("exit %d\n%s%s", code, out.String(), stderr.String())
	if code != compareRegression {
		t.Fatalf("exit %d, want %d for a 33 %% slower run", code, compareRegression)
	}
	if !strings.Contains(stderr.String(), "go-http/baseline req/s") {
		t.Errorf("stderr does not name the regressed cell: %s", stderr.String())
	}
	for _, want := range []string{"req/s", "p95 ms", "significant, worse", "95 % CI"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q", want)
		}
	}

	out.Reset()
	if code := runCompare([]string{"--prometheus-url", prom.URL(), "--lookback", "1h", "--threshold", "60", "--format", "json", "after", "--baseline", "1h"}, &out, &stderr); code != compareOK {
		t.Fatalf("a 33 %% regression under a 60 %% threshold: exit %d, want 0\n%s", code, stderr.String())
	}
	var rep struct {
		Baseline []string `json:"baseline"`
		Rows     []struct {
			Cells []struct {
				Title       string   `json:"title"`
				Delta       *float64 `json:"delta"`
				Significant bool     `json:"significant"`
			} `json:"cells"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(rep.Baseline) != 1 || rep.Baseline[0] != "before" {
		t.Errorf("trailing baseline: want [before], got %v", rep.Baseline)
	}
	if len(rep.Rows) != 1 || rep.Rows[0].Cells[0].Title != "req/s" || rep.Rows[0].Cells[0].Delta == nil || *rep.Rows[0].Cells[0].Delta > -0.2 {
		t.Errorf("json: %s", out.String())
	}

	out.Reset()
	if code := runCompare([]string{"--prometheus-url", prom.URL(), "--lookback", "1h", "--format", "markdown", "before", "before"}, &out, &stderr); code != compareOK {
		t.Fatalf("a run against itself: exit %d\n%s", code, stderr.String())
	}
	if !strings.HasPrefix(out.String(), "**candidate before (3 trials) vs baseline before (3 trials)") || !strings.Contains(out.String(), "| go-http | baseline | req/s |") {
		t.Errorf("markdown:\n%s", out.String())
	}

	// The runs' Prometheus gone, as after `ssebench run`: compare opens the kept data itself.
	if err := prom.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	stderr.Reset()
	code = runCompare([]string{"--data-dir", dataDir, "--lookback", "1h", "before", "after"}, &out, &stderr)
	if code != compareRegression || !strings.Contains(stderr.String(), "reading the runs kept in") {
		t.Fatalf("with no Prometheus running: exit %d, want %d\n%s%s", code, compareRegression, out.String(), stderr.String())
	}
}
