package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/ssebench/ssebench/internal/catalog"
)

// trendsRow draws one point per run: the recording rules hold each run's value while they
// evaluate it, so lines are broken between runs and points carry the information.
func trendsRow(l *layout) {
	l.row("Across runs")
	for _, q := range catalog.TrendPanels {
		l.panel(12, 9, timeSeries(q, "{{server}} {{scenario}}").
			ShowPoints(common.VisibilityModeAlways).PointSize(5).
			SpanNulls(common.BoolOrFloat64{Float64: cogFloat(7 * 24 * 3600 * 1000)}).
			DataLinks([]cog.Builder[dashboard.DashboardLink]{runAtPoint()}))
	}
}

// runAtPoint opens the Run dashboard on 15 minutes around a trend point, for its server: a
// trend series keeps one value per run but not the testid, and the Run dashboard's testid
// variable lists the runs of its time range, newest first — the point's run.
func runAtPoint() *dashboard.DashboardLinkBuilder {
	return dashboard.NewDashboardLinkBuilder("Open this run").
		Url("/d/" + RunUID + "?var-server=${__field.labels.server}&time=${__value.time}&time.window=900000").
		TargetBlank(false)
}

// cogFloat is a pointer to f: spanNulls takes milliseconds, so runs up to a week apart are joined.
func cogFloat(f float64) *float64 { return &f }
