package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// processRow is what the exporter sees beyond CPU and memory: each server's threads,
// descriptors, context switches and restarts, the exporter's own health, and the stream
// probe over time.
func processRow(l *layout) {
	l.row("Server processes and the exporter")
	for _, p := range []struct {
		q      catalog.Query
		legend string
	}{
		{catalog.SeriesThreads, "{{server}}"},
		{catalog.SeriesOpenFDs, "{{server}}"},
		{catalog.SeriesContextSwitches, "{{server}} {{kind}}"},
		{catalog.SeriesRestarts, "{{server}}"},
		{catalog.SeriesProbeSuccess, "{{server}}"},
		{catalog.SeriesProbeFirstEvent, "{{server}}"},
		{catalog.SeriesCollectorSuccess, "{{collector}}"},
		{catalog.SeriesCollectorDuration, "{{collector}}"},
	} {
		l.panel(12, 8, timeSeries(p.q, p.legend))
	}
}
