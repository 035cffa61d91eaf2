package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// duetHelp says where the side-by-side data lives: under its own testid, as the sweep's.
const duetHelp = "Side by side runs under the run's id with -duet appended: pick that testid to fill this row. Every server was loaded at once, in rounds; each ratio is to the reference server in the same rounds, with the bounds of its 95 % interval over the rounds (the run's results.json names the reference and the A/A control; an A/A interval that excludes 1 means the verdict is biased)."

// duetRow is the side-by-side verdict: every server's CPU and memory ratio to the reference
// with its interval, its absolute CPU per stream and the rounds behind it, cheapest first.
func duetRow(l *layout) {
	l.row("Side by side (duet)")
	l.panel(24, 9, resultsTable("CPU and memory per stream as a ratio to the reference - side by side",
		duetHelp, catalog.DuetColumns, catalog.DuetCPURatio.Title))
}
