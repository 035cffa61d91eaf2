package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

// WriteOutcome prints the results table from PromQL with the load generator's own figures
// beside it, lists skipped servers, and writes results.json and results.md next to the report.
func WriteOutcome(w io.Writer, out *Outcome, cfg Config) error {
	fmt.Fprintf(w, "\nssebench results — testid %s (%s → %s)\n", out.TestID, out.Start.Format("15:04:05"), out.End.Format("15:04:05"))
	if out.Interrupted {
		fmt.Fprintln(w, "interrupted: the table shows what was measured until then")
	}
	if out.Table != nil && len(out.Table.Rows) > 0 {
		fmt.Fprintln(w, "\nFrom Prometheus (the query catalog's PromQL):")
		if err := out.Table.WriteText(w); err != nil {
			return err
		}
	} else if len(out.Measured) > 0 {
		fmt.Fprintln(w, "\nPrometheus returned no results for this run.")
	}
	if len(out.Measured) > 0 {
		fmt.Fprintln(w, "\nFrom the load generator (in-process, exact; the cross-check of the table above):")
		writeLoadTable(w, out)
	}
	for _, s := range out.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Server, s.Reason)
	}
	if out.Dropped > 0 {
		fmt.Fprintf(w, "\nremote write dropped %d samples: Prometheus' figures are incomplete\n", out.Dropped)
	}
	return writeFiles(w, out)
}

func writeLoadTable(w io.Writer, out *Outcome) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tscenario\treq/s\tavg ms\tp95 ms\tmax ms\tfail %\trequests\t")
	for _, m := range out.Measured {
		f := figuresOf(m.Summary)
		cells := []string{m.Server, m.Scenario,
			num(f.ReqPerSec), num(f.AvgMs), num(f.P95Ms), num(f.MaxMs),
			results.FormatValue(catalog.ResultsFailPercent, f.FailPercent), fmt.Sprint(f.Requests)}
		if m.Error != "" {
			cells = append(cells, "error: "+m.Error)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
}

func num(v float64) string {
	if math.IsNaN(v) {
		return results.Missing
	}
	return fmt.Sprintf("%.1f", v)
}

// writeFiles writes report/<testid>/results.json (both tables) and results.md.
func writeFiles(w io.Writer, out *Outcome) error {
	if err := os.MkdirAll(out.ReportDir, 0o755); err != nil {
		return err
	}
	type jsonOut struct {
		*Outcome
		Table json.RawMessage `json:"results"`
	}
	var tableJSON strings.Builder
	if out.Table != nil {
		if err := out.Table.WriteJSON(&tableJSON); err != nil {
			return err
		}
	} else {
		tableJSON.WriteString("null")
	}
	b, err := json.MarshalIndent(jsonOut{Outcome: out, Table: json.RawMessage(tableJSON.String())}, "", "  ")
	if err != nil {
		return err
	}
	jsonPath := filepath.Join(out.ReportDir, "results.json")
	if err := os.WriteFile(jsonPath, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nresults JSON: %s\n", jsonPath)
	if out.Report != "" {
		fmt.Fprintf(w, "results Markdown: %s\nreport: %s\n", filepath.Join(out.ReportDir, "results.md"), out.Report)
		return nil
	}
	if out.Table != nil {
		var md strings.Builder
		if err := out.Table.WriteMarkdown(&md); err != nil {
			return err
		}
		mdPath := filepath.Join(out.ReportDir, "results.md")
		if err := os.WriteFile(mdPath, []byte(md.String()), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "results Markdown: %s\n", mdPath)
	}
	return nil
}
