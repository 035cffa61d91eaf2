package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// seriesRow is the run over time: what the writeup's summary numbers are made of.
func seriesRow(l *layout) {
	l.row("Over the run")
	perScenario := "{{server}} {{scenario}}"
	l.seriesPanels(
		seriesPanel{catalog.SeriesVUs, perScenario},
		seriesPanel{catalog.SeriesReqPerSecond, perScenario},
		seriesPanel{catalog.SeriesP95, perScenario},
		seriesPanel{catalog.SeriesTTFT, perScenario},
		seriesPanel{catalog.SeriesGapP99, perScenario},
		seriesPanel{catalog.SeriesFailures, perScenario},
		seriesPanel{catalog.SeriesCPU, "{{server}}"},
		seriesPanel{catalog.SeriesRSS, "{{server}}"},
		seriesPanel{catalog.SeriesTCP, "{{server}} {{state}}"},
	)
}
