package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/ssebench/ssebench/internal/catalog"
)

// Trends is each server × scenario across runs over months, read from the run-level
// recording rules (dashboards/README.md has the contract), with regression alerts as
// annotations.
func Trends() (dashboard.Dashboard, error) {
	d := newDashboard("ssebench - trends", TrendsUID, "now-90d",
		"Each server and scenario across runs: throughput, p95, CPU and peak memory, from the server_scenario:…:final_…_run recording rules.").
		WithVariable(datasourceVariable()).
		WithVariable(serverVariable("server", "Servers", catalog.VarTrendServers, nil)).
		Annotation(regressionAnnotation()).
		Link(dashboardLink("Run", RunUID, "One run: pick it in the Runs table below, which sets its time range", false)).
		Link(dashboardLink("Servers", ServersUID, "The server processes, the exporter and the probe", false))
	l := newLayout(d)
	runsRow(l)
	trendsRow(l)
	if l.err != nil {
		return dashboard.Dashboard{}, l.err
	}
	return d.Build()
}

func regressionAnnotation() *dashboard.AnnotationQueryBuilder {
	return annotation(catalog.TrendRegressionAlerts, "red", "60s", "{{alertname}}", "{{server}} {{scenario}}: {{alertname}}")
}
