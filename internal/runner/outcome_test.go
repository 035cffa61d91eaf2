package runner

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

// TestResultsMarkdownWithoutAReportIsTheReports: with --no-report the runner writes
// results.md itself, with the report's writer, so both read the same.
func TestResultsMarkdownWithoutAReportIsTheReports(t *testing.T) {
	start := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	values := map[string]float64{}
	for _, c := range catalog.ResultsColumns {
		values[c.Name] = 1
	}
	out := &Outcome{TestID: "md-1", Start: start, End: start.Add(time.Minute), ReportDir: filepath.Join(t.TempDir(), "md-1"), // report/<testid>, as Run sets it
		Table: &results.Table{TestID: "md-1", Columns: catalog.ResultsColumns, RankBy: catalog.ResultsReqPerSecond,
			Rows: []results.Row{{Server: "go-http", Scenario: "stress", Values: values}}}}
	if err := writeFiles(io.Discard, out); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out.ReportDir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## ssebench results · `md-1`", "go-http", "stress"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
}
