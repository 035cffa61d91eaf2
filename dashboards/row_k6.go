package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// k6Row has the panels k6 users look for on k6's own Prometheus dashboards; they work for
// real k6 data and ssebench load's alike, since both send these series.
func k6Row(l *layout) {
	l.row("k6's figures")
	perScenario := "{{server}} {{scenario}}"
	l.seriesPanels(
		seriesPanel{catalog.SeriesChecks, "{{server}} {{scenario}} {{check}}"},
		seriesPanel{catalog.SeriesReqByExpected, "{{server}} {{scenario}} expected={{expected_response}}"},
		seriesPanel{catalog.SeriesWaitingP95, perScenario},
		seriesPanel{catalog.SeriesIterationP95, perScenario},
		seriesPanel{catalog.SeriesDataReceived, perScenario},
		seriesPanel{catalog.SeriesDataSent, perScenario},
		seriesPanel{catalog.SeriesDropped, perScenario},
	)
}
