package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// seriesRow is the run over time: what the writeup's summary numbers are made of.
func seriesRow(l *layout) {
	l.row("Over the run")
	perScenario := "{{server}} {{scenario}}"
	for _, p := range []struct {
		q      catalog.Query
		legend string
	}{
		{catalog.SeriesVUs, perScenario},
		{catalog.SeriesReqPerSecond, perScenario},
		{catalog.SeriesP95, perScenario},
		{catalog.SeriesTTFT, perScenario},
		{catalog.SeriesGapP99, perScenario},
		{catalog.SeriesFailures, perScenario},
		{catalog.SeriesCPU, "{{server}}"},
		{catalog.SeriesRSS, "{{server}}"},
		{catalog.SeriesTCP, "{{server}} {{state}}"},
	} {
		l.panel(12, 8, timeSeries(p.q, p.legend))
	}
}
