package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// processRow is what the exporter sees of each server process: CPU, memory and TCP states
// (also on the Run dashboard's "Over the run"), threads, descriptors, context switches and
// restarts.
func processRow(l *layout) {
	l.row("Server processes")
	l.seriesPanels(
		seriesPanel{catalog.SeriesCPU, "{{server}}"},
		seriesPanel{catalog.SeriesRSS, "{{server}}"},
		seriesPanel{catalog.SeriesTCP, "{{server}} {{state}}"},
		seriesPanel{catalog.SeriesThreads, "{{server}}"},
		seriesPanel{catalog.SeriesOpenFDs, "{{server}}"},
		seriesPanel{catalog.SeriesContextSwitches, "{{server}} {{kind}}"},
		seriesPanel{catalog.SeriesRestarts, "{{server}}"},
	)
}

// probeRow is the stream probe through each server over time.
func probeRow(l *layout) {
	l.row("Stream probe")
	l.seriesPanels(
		seriesPanel{catalog.SeriesProbeSuccess, "{{server}}"},
		seriesPanel{catalog.SeriesProbeFirstEvent, "{{server}}"},
		seriesPanel{catalog.HealthProbeMaxGap, "{{server}}"},
	)
}

// exporterRow is the exporter's own health: each collector's success and duration.
func exporterRow(l *layout) {
	l.row("The exporter")
	l.seriesPanels(
		seriesPanel{catalog.SeriesCollectorSuccess, "{{collector}}"},
		seriesPanel{catalog.SeriesCollectorDuration, "{{collector}}"},
	)
}
