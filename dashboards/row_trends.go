package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"

	"github.com/ssebench/ssebench/internal/catalog"
)

// trendsRow draws one point per run: the recording rules hold each run's value while they
// evaluate it, so lines are broken between runs and points carry the information.
func trendsRow(l *layout) {
	l.row("Across runs")
	for _, q := range catalog.TrendPanels {
		l.panel(12, 9, timeSeries(q, "{{server}} {{scenario}}").
			ShowPoints(common.VisibilityModeAlways).PointSize(5).
			SpanNulls(common.BoolOrFloat64{Float64: cogFloat(7 * 24 * 3600 * 1000)}))
	}
}

// cogFloat is a pointer to f: spanNulls takes milliseconds, so runs up to a week apart are joined.
func cogFloat(f float64) *float64 { return &f }
