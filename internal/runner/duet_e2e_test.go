package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/benchtest"
	"github.com/ssebench/ssebench/internal/duet"
)

// handicapUnits is the handicap proxy's work per SSE event: 30 sha256 blocks ≈ 4.4 µs an
// event, ≈ 48 µs a stream (internal/benchtest/handicap's BenchmarkWorkUnit), about 5 % of
// go-http's stream and 7–11 % of the lighter test relay's: side by side at 100 streams/s it
// read 1.071–1.107 in 20 short runs (docs/trials.md).
const handicapUnits = 30

// buildHandicap builds the test-only relay with the CPU knob into a temporary folder.
func buildHandicap(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "handicap")
	cmd := exec.Command("go", "build", "-o", bin, "./internal/benchtest/handicap")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the handicap proxy: %v\n%s", err, out)
	}
	return bin
}

// writeServersFile writes a servers file of the test's own, as a user would with --servers-file.
func writeServersFile(t *testing.T, entries ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "servers.yaml")
	if err := os.WriteFile(path, []byte("servers:\n"+strings.Join(entries, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func serverEntry(name string, command ...string) string {
	quoted := make([]string, len(command))
	for i, c := range command {
		quoted[i] = fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("  - name: %s\n    runtime: Go\n    framework: test relay\n    build: \"true\"\n    command: [%s]\n", name, strings.Join(quoted, ", "))
}

func runDuet(t *testing.T, cfg Config) (*Outcome, string) {
	t.Helper()
	dir := t.TempDir()
	cfg.Scenarios = []string{DuetName}
	cfg.DataDir, cfg.ReportDir = filepath.Join(dir, "data"), filepath.Join(dir, "report")
	cfg.NoExporter, cfg.Reference = true, true
	var log bytes.Buffer
	cfg.Stdout = &log
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	if out.Duet == nil {
		t.Fatalf("no side-by-side outcome:\n%s", log.String())
	}
	var text bytes.Buffer
	if err := WriteOutcome(&text, out, cfg); err != nil {
		t.Fatal(err)
	}
	t.Logf("run output:\n%s%s", log.String(), text.String())
	return out, text.String()
}

// The self-test of issue 22: a relay with a known extra CPU cost of about 5 % a stream, its
// unmodified twin and the twin's A/A copy, side by side through a servers file of the test's
// own. The handicap is found (its interval excludes 1, at about the cost it was given), the
// A/A pair is close to 1, and the verdict reaches every output.
func TestDuetFindsAFivePercentHandicap(t *testing.T) {
	root := benchtest.RequireBuilt(t)
	bin := buildHandicap(t, root)
	file := writeServersFile(t,
		serverEntry("plain", bin),
		serverEntry("handicap", "env", fmt.Sprintf("HANDICAP_WORK=%d", handicapUnits), bin))
	out, text := runDuet(t, Config{Root: root, ServersFile: file, Quick: true,
		Duet: DuetConfig{Rate: 100, Round: 3 * time.Second, Budget: 90 * time.Second, Precision: 0.01}})
	v := out.Duet.Verdict
	h, ok := v.Row("handicap")
	if !ok || !duet.Significant(h.CPU) || h.CPU.Point < 1.02 || h.CPU.Point > 1.12 {
		t.Errorf("handicap: %s over %d rounds, want significantly above 1 and near 1.05", duet.FormatRatio(h.CPU, false), h.Rounds)
	}
	aa, ok := v.Row("plain-aa")
	// Not "not significant": by design 1 run in 20 calls an A/A pair different. A bias of
	// the size the handicap has would show here.
	if !ok || math.Abs(aa.CPU.Point-1) > 0.025 {
		t.Errorf("A/A: %s, want within 2.5 %% of 1", duet.FormatRatio(aa.CPU, false))
	}
	if out.Duet.Stopped == "" || len(out.Duet.Rounds) < 5 || !strings.Contains(out.Duet.CPUSource, "resolution") {
		t.Errorf("stopped %q after %d rounds, CPU from %q", out.Duet.Stopped, len(out.Duet.Rounds), out.Duet.CPUSource)
	}
	for _, want := range []string{"Side by side", "handicap", "plain-aa (A/A)", "plain (ref)", duet.FormatRatio(h.CPU, false), "A/A control plain-aa"} {
		if !strings.Contains(text, want) {
			t.Errorf("terminal output lacks %q", want)
		}
	}
	checkDuetFiles(t, out, h)
}

// checkDuetFiles: results.json carries the verdict and every round; results.md the table.
func checkDuetFiles(t *testing.T, out *Outcome, h duet.Row) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out.ReportDir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Duet struct {
			Seed    uint64 `json:"seed"`
			Rounds  []json.RawMessage
			Verdict struct {
				Rows []struct {
					Server string
					CPU    struct{ Point, Lo, Hi *float64 } `json:"cpu_ratio"`
				}
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	if doc.Duet.Seed == 0 || len(doc.Duet.Rounds) != len(out.Duet.Rounds) {
		t.Errorf("results.json: seed %d, %d rounds (want %d)", doc.Duet.Seed, len(doc.Duet.Rounds), len(out.Duet.Rounds))
	}
	found := false
	for _, r := range doc.Duet.Verdict.Rows {
		if r.Server == "handicap" && r.CPU.Lo != nil && *r.CPU.Lo == h.CPU.Lo {
			found = true
		}
	}
	if !found {
		t.Errorf("results.json lacks the handicap's interval: %s", b)
	}
	md, err := os.ReadFile(filepath.Join(out.ReportDir, "results.md"))
	if err != nil || !strings.Contains(string(md), "| rank | server | cpu ×ref |") {
		t.Errorf("results.md lacks the side-by-side table (%v):\n%s", err, md)
	}
}

// A server that dies mid-run is reported with its exit status and the others go on.
func TestDuetGoesOnWhenAServerDies(t *testing.T) {
	root := benchtest.RequireBuilt(t)
	bin := buildHandicap(t, root)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	file := writeServersFile(t, serverEntry("plain", bin), serverEntry("dying", "env", fakeServerEnv+"=1", exe))
	out, text := runDuet(t, Config{Root: root, ServersFile: file, Quick: true,
		Duet: DuetConfig{Rate: 20, Round: 2 * time.Second, Budget: 8 * time.Second, MinRounds: 3}})
	if len(out.Duet.Died) != 1 || out.Duet.Died[0].Server != "dying" || !strings.Contains(out.Duet.Died[0].Reason, "exit status 7") {
		t.Fatalf("died: %+v, want dying with exit status 7", out.Duet.Died)
	}
	if len(out.Duet.Rounds) < 3 {
		t.Errorf("the others stopped with it: %d rounds", len(out.Duet.Rounds))
	}
	if aa, _ := out.Duet.Verdict.Row("plain-aa"); aa.Rounds < 2 {
		t.Errorf("plain-aa: %d rounds counted after the death, want the others to go on", aa.Rounds)
	}
	if !strings.Contains(text, "dying: exited during the duet") {
		t.Errorf("the death is not in the output")
	}
}

func TestDuetRefusesFewerThanTwoServers(t *testing.T) {
	root := benchtest.RequireBuilt(t)
	file := writeServersFile(t, serverEntry("only", "/bin/true"))
	_, err := Run(context.Background(), Config{Root: root, ServersFile: file, Scenarios: []string{DuetName}, Stdout: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), "at least two") {
		t.Fatalf("a duet of one server: %v, want a refusal naming the need for two", err)
	}
}
