package collector

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/ssebench/ssebench/internal/exporterconfig"
)

var update = flag.Bool("update", false, "rewrite testdata/metrics.golden from the fixture")

const goldenFile = "testdata/metrics.golden"

// fixtureCgroups is the cgroup tree beside testdata/proc: go-gin and rust-axum sit in
// groups ssebench made (v1 cpuacct, v2), so their CPU comes from there.
const fixtureCgroups = "testdata/cgroup"

// fixtureTargets covers every discovery method against testdata/proc.
func fixtureTargets(t *testing.T) []exporterconfig.Target {
	t.Helper()
	var targets []exporterconfig.Target
	for _, s := range []string{
		"go-http:port=8080",
		"go-http-exe:exe=go-http",
		"bun-http:pidfile=testdata/run/bun-http.pid",
		"rust-http:cmdline=rust-http$",
		"zombie:comm=zombie",
		"missing:comm=nothere",
		"go-gin:comm=go-gin",
		"rust-axum:comm=rust-axum",
	} {
		tg, err := exporterconfig.ParseTargetFlag(s)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	return targets
}

func newTestExporter(t *testing.T, root string, targets []exporterconfig.Target, opts ...Option) *Exporter {
	t.Helper()
	e, err := New(root, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.SetTargets(targets)
	return e
}

// scrapeText gathers e and renders the text format, leaving out the durations, which
// change from run to run.
func scrapeText(t *testing.T, e prometheus.Collector) string {
	t.Helper()
	text, err := gatherText(e)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func gatherText(e prometheus.Collector) (string, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(e); err != nil {
		return "", err
	}
	families, err := reg.Gather()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if f.GetName() == "ssebench_exporter_collector_duration_seconds" {
			continue
		}
		if err := enc.Encode(f); err != nil {
			return "", err
		}
	}
	return buf.String(), nil
}

func TestGoldenMetrics(t *testing.T) {
	e := newTestExporter(t, "testdata/proc", fixtureTargets(t), WithCgroupRoot(fixtureCgroups))
	e.RecordReload(true, unixTime(1700000100))
	got := scrapeText(t, e)
	if *update {
		if err := os.WriteFile(goldenFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenMetrics -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("metrics differ from %s (rerun with -update after checking the change):\n%s", goldenFile, lineDiff(string(want), got))
	}
	// A second scrape sees the same processes: no identity change is counted.
	if again := scrapeText(t, e); again != got {
		t.Errorf("second scrape differs:\n%s", lineDiff(got, again))
	}
}

// TestGoldenPromtool runs `promtool check metrics` (built into .tools/bin by make) on the golden text.
func TestGoldenPromtool(t *testing.T) {
	promtool := filepath.Join(repoRoot(t), ".tools", "bin", "promtool")
	if _, err := os.Stat(promtool); err != nil {
		t.Skipf("promtool not found at %s (make deps builds it): golden metrics not linted", promtool)
	}
	golden, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer golden.Close()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = golden
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// lineDiff lists lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
