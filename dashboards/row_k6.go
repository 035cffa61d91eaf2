package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// k6Row has the panels k6 users look for on k6's own Prometheus dashboards; they work for
// real k6 data and ssebench load's alike, since both send these series.
func k6Row(l *layout) {
	l.row("k6's figures")
	perScenario := "{{server}} {{scenario}}"
	for _, p := range []struct {
		q      catalog.Query
		legend string
	}{
		{catalog.SeriesChecks, "{{server}} {{scenario}} {{check}}"},
		{catalog.SeriesReqByExpected, "{{server}} {{scenario}} expected={{expected_response}}"},
		{catalog.SeriesWaitingP95, perScenario},
		{catalog.SeriesIterationP95, perScenario},
		{catalog.SeriesDataReceived, perScenario},
		{catalog.SeriesDataSent, perScenario},
		{catalog.SeriesDropped, perScenario},
	} {
		l.panel(12, 8, timeSeries(p.q, p.legend))
	}
}
