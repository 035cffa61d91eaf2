package runner

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/report"
)

// TestSLOConfigDefaultsAndReachesResultsJSON: a run given no SLO judges by load.DefaultSLO,
// and results.json records the SLO the run was judged by.
func TestSLOConfigDefaultsAndReachesResultsJSON(t *testing.T) {
	cfg := Config{Root: t.TempDir()}
	if err := cfg.applyDefaults(); err != nil || cfg.SLO != load.DefaultSLO {
		t.Fatalf("default SLO %s, %v; want %s", cfg.SLO, err, load.DefaultSLO)
	}
	given := load.SLO{TTFT: 200 * time.Millisecond, Gap: 50 * time.Millisecond}
	cfg = Config{Root: t.TempDir(), SLO: given}
	if err := cfg.applyDefaults(); err != nil || cfg.SLO != given {
		t.Fatalf("SLO %s, %v; want %s kept", cfg.SLO, err, given)
	}
	reports := t.TempDir()
	if err := writeFiles(io.Discard, &Outcome{TestID: "t1", ReportDir: filepath.Join(reports, "t1"), SLO: given}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(reports, "t1", report.FileJSON))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		SLO map[string]float64 `json:"slo"`
	}
	if err := json.Unmarshal(b, &got); err != nil || got.SLO["ttft_ms"] != 200 || got.SLO["gap_ms"] != 50 {
		t.Fatalf("results.json's slo: %v, %v; want ttft_ms 200, gap_ms 50", got.SLO, err)
	}
}
