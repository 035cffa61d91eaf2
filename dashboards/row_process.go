package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// processRow is what the exporter sees beyond CPU and memory: each server's threads,
// descriptors, context switches and restarts, the exporter's own health, and the stream
// probe over time.
func processRow(l *layout) {
	l.row("Server processes and the exporter")
	l.seriesPanels(
		seriesPanel{catalog.SeriesThreads, "{{server}}"},
		seriesPanel{catalog.SeriesOpenFDs, "{{server}}"},
		seriesPanel{catalog.SeriesContextSwitches, "{{server}} {{kind}}"},
		seriesPanel{catalog.SeriesRestarts, "{{server}}"},
		seriesPanel{catalog.SeriesProbeSuccess, "{{server}}"},
		seriesPanel{catalog.SeriesProbeFirstEvent, "{{server}}"},
		seriesPanel{catalog.SeriesCollectorSuccess, "{{collector}}"},
		seriesPanel{catalog.SeriesCollectorDuration, "{{collector}}"},
	)
}
