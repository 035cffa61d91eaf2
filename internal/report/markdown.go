package report

import (
	"fmt"
	"io"
)

// WriteMarkdown writes results.md: a heading naming the run, then the results table.
func WriteMarkdown(w io.Writer, d *Data) error {
	if _, err := fmt.Fprintf(w, "## ssebench results · `%s`\n\n%s\n\n", d.TestID, span(d.Start, d.End)); err != nil {
		return err
	}
	if d.Table == nil || len(d.Table.Rows) == 0 {
		_, err := fmt.Fprintln(w, "_No results in Prometheus for this run._")
		return err
	}
	return d.Table.WriteMarkdown(w)
}
