package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/ssebench/ssebench/internal/catalog"
)

// Servers is the exporter's view of the server processes over time — CPU, memory, TCP
// states, threads, descriptors, context switches, restarts — the stream probe's results
// and the exporter's own health, with the Run dashboard's load windows as annotations.
func Servers() (dashboard.Dashboard, error) {
	d := newDashboard("ssebench - servers", ServersUID, "now-30m",
		"The server processes as the exporter sees them, the stream probe and the exporter's own health, over the time range; the testid only draws its load windows.").
		WithVariable(datasourceVariable()).
		WithVariable(testIDVariable()).
		WithVariable(serverVariable("server", "Servers", catalog.VarExporterServers, nil)).
		Annotation(loadWindowsAnnotation()).
		Link(dashboardLink("Run", RunUID, "The run of this time range: results, trials, load", true)).
		Link(dashboardLink("Trends", TrendsUID, "Every server and scenario across runs", false))
	l := newLayout(d)
	processRow(l)
	probeRow(l)
	exporterRow(l)
	if l.err != nil {
		return dashboard.Dashboard{}, l.err
	}
	return d.Build()
}
