package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// resultsRow is the writeup's "Full results" table, for every scenario of the run.
func resultsRow(l *layout) {
	l.row("Full results")
	l.panel(24, 12, resultsTable("Full results - every scenario",
		"One row per server and scenario; every column is one catalog query (results.*) computed over the time range.",
		catalog.ResultsColumns, catalog.ResultsReqPerSecond.Title))
}

// efficiencyRow is the cost table: the fixed-rate scenario, with the latency each proxy adds
// over direct (the stub alone, the row marked as the reference).
func efficiencyRow(l *layout) {
	l.row("What a stream costs (efficiency)")
	l.panel(24, 10, resultsTable("Cost at a fixed rate - efficiency scenario",
		"The same arrival rate offered to every server, below saturation: CPU per stream, memory per open stream, and latency added over direct (the stub alone). Cheapest first.",
		catalog.EfficiencyColumns, catalog.EfficiencyCPUMicros.Title))
}
