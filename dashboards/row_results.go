package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// resultsRow is the writeup's "Full results" table, for both scenarios of the run.
func resultsRow(l *layout) {
	l.row("Full results")
	l.panel(24, 12, resultsTable("Full results - both scenarios",
		"One row per server and scenario; every column is one catalog query (results.*) computed over the time range.",
		catalog.ResultsColumns, catalog.ResultsReqPerSecond.Title))
}
