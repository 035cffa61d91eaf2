package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

// WriteMarkdown writes results.md: a heading naming the run, the findings (a server that
// buffers the stream), the side-by-side verdict when
// the run had one, the results table, the table of each scenario that has one
// (catalog.ScenarioTables), and the sweep's capacities when the run had a sweep.
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
		if d.Sweep != nil {
			return writeSweepMarkdown(w, d.Sweep)
		}
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
	return writeSweepMarkdown(w, d.Sweep)
}

// writeSweepMarkdown is the sweep's capacity table, one row per server (direct first): the
// capacity on goodput, what stopped it, and the capacity under the second rule.
func writeSweepMarkdown(w io.Writer, s *Sweep) error {
	if s == nil || len(s.Capacities) == 0 {
		return nil
	}
	rule := "no failure"
	if s.BoundMs > 0 {
		rule = fmt.Sprintf("no failure, p99 TTFT ≤ %.1f ms", s.BoundMs)
	}
	slo := "no failure and no dropped iteration"
	if s.GoodputPercent > 0 {
		slo = fmt.Sprintf("goodput ≥ %g %% of streams and no dropped iteration", s.GoodputPercent)
	}
	if _, err := fmt.Fprintf(w, "\n### Capacity under the SLO (sweep)\n\nThe highest offered rate each server kept within the SLO (%s); beside it, the second rule (%s).\n\n"+
		"| server | capacity streams/s | limit | %s streams/s | note |\n|---|---|---|---|---|\n", slo, rule, "p99 TTFT rule"); err != nil {
		return err
	}
	for _, c := range s.Capacities {
		ttft := results.Missing
		if c.CapacityTTFT >= 0 {
			ttft = strconv.Itoa(c.CapacityTTFT)
		}
		if _, err := fmt.Fprintf(w, "| %s | %d | %s | %s | %s |\n", c.Server, c.Capacity, c.Limit, ttft, c.Note); err != nil {
			return err
		}
	}
	return nil
}
