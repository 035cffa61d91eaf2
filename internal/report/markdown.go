package report

import (
	"fmt"
	"io"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

// WriteMarkdown writes results.md: a heading naming the run, the findings (a server that
// buffers the stream), the side-by-side verdict when
// the run had one, the results table, and the cost table when the run had the efficiency
// scenario.
func WriteMarkdown(w io.Writer, d *Data) error {
	if _, err := fmt.Fprintf(w, "## ssebench results · `%s`\n\n%s\n\n", d.TestID, span(d.Start, d.End)); err != nil {
		return err
	}
	if err := results.WriteFindings(w, d.Findings, true); err != nil {
		return err
	}
	if d.Duet != nil {
		if _, err := fmt.Fprintf(w, "### Side by side: every server at once, judged by its ratio to %s in the same rounds\n\n%s\n\n", d.Duet.Verdict.Reference, d.Duet.Summary); err != nil {
			return err
		}
		if err := d.Duet.Verdict.WriteMarkdown(w); err != nil {
			return err
		}
		if d.Table == nil {
			return nil
		}
		fmt.Fprintln(w)
	}
	if d.Table == nil || len(d.Table.Rows) == 0 {
		_, err := fmt.Fprintln(w, "_No results in Prometheus for this run._")
		return err
	}
	if err := d.Table.WriteMarkdown(w); err != nil {
		return err
	}
	for _, t := range d.Tables {
		st, _ := catalog.ScenarioTableOf(t.Scenario)
		if _, err := fmt.Fprintf(w, "\n### %s\n\n%s\n\n", st.Title, st.Lead); err != nil {
			return err
		}
		if err := t.WriteMarkdown(w); err != nil {
			return err
		}
	}
	return nil
}
