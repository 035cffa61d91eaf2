package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// resultsRow is the writeup's "Full results" table, for every scenario of the run.
func resultsRow(l *layout) {
	l.row("Full results")
	l.panel(24, 12, resultsTable("Full results - every scenario",
		"One row per server and scenario; every column is one catalog query (results.*) computed over the time range.",
		catalog.ResultsColumns, catalog.ResultsReqPerSecond.Title))
}

// scenarioTableRows are the scenario tables (catalog.ScenarioTables), a row each: the cost
// table and the failure modes', each empty for a run without its scenario.
func scenarioTableRows(l *layout) {
	for _, st := range catalog.ScenarioTables {
		l.row(st.Title)
		l.panel(24, 10, resultsTable(st.Title, st.Lead, st.Columns, st.RankBy.Title))
	}
}
