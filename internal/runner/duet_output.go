package runner

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/report"
)

// WriteDuet prints the side-by-side verdict: what it rests on, the table, the A/A line,
// the harness's own cost, and which servers saturated or died.
func WriteDuet(w io.Writer, d *DuetOutcome) error {
	fmt.Fprintf(w, "\nSide by side (testid %s): every server at once, each judged by its ratio to %s in the same rounds\n%s\n",
		d.TestID, d.Verdict.Reference, d.Summary())
	if len(d.Rounds) == 0 {
		fmt.Fprintln(w, "no round was measured")
		return nil
	}
	if err := d.Verdict.WriteText(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "shared by all: the stub %.1f µs and the load generator %.1f µs of CPU per stream of every server's, totals over the %d rounds (no interval)\n",
		d.Harness.StubMicrosPerStream, d.Harness.LoadMicrosPerStream, len(d.Rounds))
	for _, s := range d.SaturatedNote {
		fmt.Fprintln(w, s)
	}
	for _, s := range d.Died {
		fmt.Fprintf(w, "%s: %s\n", s.Server, s.Reason)
	}
	return nil
}

// Summary is one line saying what the verdict rests on.
func (d *DuetOutcome) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rounds of %s at %d streams/s per server%s in %s (%s: every CPU ratio within ±%.1f %%, or %s); ",
		len(d.Rounds), d.Round, d.Rate, workloadNote(d.Workload), d.Elapsed.Round(time.Second), d.Stopped, 100*d.Precision, d.Budget)
	fmt.Fprintf(&b, "each cell the mean over rounds ± the half width of its 95 %% interval (t over paired rounds); "+
		"≈ tied with the first of its group; CPU from %s; order and phase seed %d", d.CPUSource, d.Seed)
	return b.String()
}

func workloadNote(workload string) string {
	if workload == "" {
		return ""
	}
	return " (arrivals and stream of the " + workload + " scenario)"
}

// duetReport is what results.md and the HTML report show of the duet.
func duetReport(d *DuetOutcome) *report.Duet {
	if d == nil || len(d.Rounds) == 0 {
		return nil
	}
	return &report.Duet{Summary: d.Summary(), Verdict: d.Verdict}
}
