package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"

	"github.com/ssebench/ssebench/internal/catalog"
)

// scoresRow is the writeup's 3-way normalized comparison. Grafana has no radar chart, so
// each compared server is a group of bars, one per axis, 100 = best in class.
func scoresRow(l *layout) {
	l.row("3-way comparison - normalized scores (higher = better)")
	b := barchart.NewPanelBuilder().
		Title("Normalized scores of $compare (100 = best in class)").
		Description("p95 latency, max latency, CPU and memory are inverted: lower measured value = higher score.").
		Datasource(datasourceRef())
	rename := map[string]string{}
	order := map[string]int{"server": 0}
	for i, q := range catalog.ScoreAxes {
		ref := refID(i)
		b.WithTarget(instantTable(q, ref))
		rename["Value #"+ref] = q.Title
		order["Value #"+ref] = i + 1
	}
	l.panel(24, 10, b.
		WithTransformation(transformation("merge", map[string]any{})).
		WithTransformation(organize([]string{"Time", "scenario"}, rename, order)).
		XField("server").
		Unit(string(catalog.UnitScore)).Min(0).Max(100).Decimals(0).
		ShowValue(common.VisibilityModeAuto).
		FillOpacity(80).
		GroupWidth(0.8).BarWidth(0.9).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdPaletteClassic)).
		Legend(legend()).
		Tooltip(tooltip()))
	l.panel(24, 6, scoresTable())
}

// scoresTable is the same comparison read per server, a row of gauges each: the radar's
// polygon of the writeup, flattened.
func scoresTable() *table.PanelBuilder {
	b := table.NewPanelBuilder().
		Title("Normalized scores by server").
		Description("One row per compared server; each cell a gauge from 0 to 100 (best in class).").
		Datasource(datasourceRef())
	rename := map[string]string{}
	order := map[string]int{"server": 0}
	gauge := map[string]any{"type": "gauge", "mode": "basic", "valueDisplayMode": "text"}
	for i, q := range catalog.ScoreAxes {
		ref := refID(i)
		b.WithTarget(instantTable(q, ref))
		rename["Value #"+ref] = q.Title
		order["Value #"+ref] = i + 1
		b.OverrideByName(q.Title, []dashboard.DynamicConfigValue{
			{Id: "custom.cellOptions", Value: gauge},
			{Id: "description", Value: q.Help},
		})
	}
	return b.
		WithTransformation(transformation("merge", map[string]any{})).
		WithTransformation(organize([]string{"Time", "scenario"}, rename, order)).
		Unit(string(catalog.UnitScore)).Min(0).Max(100).Decimals(0).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdContinuousRdYlGr)).
		Footer(footer()).
		ShowHeader(true)
}
