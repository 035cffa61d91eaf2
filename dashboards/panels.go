package dashboards

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/piechart"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/ssebench/ssebench/internal/catalog"
)

// DatasourceUID is the uid the provisioned Prometheus datasource carries; panels reference
// the datasource variable, whose default is this datasource.
const DatasourceUID = "ssebench-prometheus"

// datasourceRef points every panel and target at the dashboard's datasource variable.
func datasourceRef() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
}

// target turns a catalog query into a Prometheus target, verbatim: dashboards never edit PromQL.
func target(q catalog.Query, refID string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().
		Datasource(datasourceRef()).
		RefId(refID).
		Expr(q.Expr)
}

// instantTable is one value per series at the end of the dashboard's time range, as a table
// frame whose label columns (server, scenario) transformations can join on.
func instantTable(q catalog.Query, refID string) *prometheus.DataqueryBuilder {
	return target(q, refID).Instant().Format(prometheus.PromQueryFormatTable)
}

func rangeSeries(q catalog.Query, refID, legend string) *prometheus.DataqueryBuilder {
	return target(q, refID).Range().Format(prometheus.PromQueryFormatTimeSeries).LegendFormat(legend)
}

func legend() *common.VizLegendOptionsBuilder {
	return common.NewVizLegendOptionsBuilder().ShowLegend(true).
		DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom).Calcs([]string{})
}

func tooltip() *common.VizTooltipOptionsBuilder {
	return common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending)
}

// footer is valid and hidden: Grafana needs a reducer list even when the footer is off.
func footer() *common.TableFooterOptionsBuilder {
	return common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{"sum"}).CountRows(false).Fields([]string{})
}

func transformation(id string, options map[string]any) dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: id, Options: options}
}

// organize hides, renames and orders the columns of a table frame (Grafana's "organize").
func organize(exclude []string, rename map[string]string, order map[string]int) dashboard.DataTransformerConfig {
	excluded := map[string]any{}
	for _, name := range exclude {
		excluded[name] = true
	}
	renames := map[string]any{}
	for from, to := range rename {
		renames[from] = to
	}
	index := map[string]any{}
	for name, i := range order {
		index[name] = i
	}
	return transformation("organize", map[string]any{
		"excludeByName": excluded, "renameByName": renames, "indexByName": index, "includeByName": map[string]any{},
	})
}

// serverBars is one bar per server of an instant query (stress-only queries have one
// scenario, so the server is the category).
func serverBars(q catalog.Query) *barchart.PanelBuilder {
	return barchart.NewPanelBuilder().
		Title(q.Title).Description(q.Help).
		Datasource(datasourceRef()).
		WithTarget(instantTable(q, "A")).
		WithTransformation(organize([]string{"Time", "scenario"}, map[string]string{"Value": shortTitle(q)}, nil)).
		XField("server").
		Unit(string(q.Unit)).
		ShowValue(common.VisibilityModeAlways).
		Orientation(common.VizOrientationAuto).
		FillOpacity(80).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdPaletteClassic)).
		Legend(legend()).
		Tooltip(tooltip())
}

// shortTitle is the part of a writeup title before its unit note, e.g. "Throughput - stress".
func shortTitle(q catalog.Query) string {
	title, _, _ := strings.Cut(q.Title, "(")
	return strings.TrimSpace(title)
}

func timeSeries(q catalog.Query, legendFormat string) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(q.Title).Description(q.Help).
		Datasource(datasourceRef()).
		WithTarget(rangeSeries(q, "A", legendFormat)).
		Unit(string(q.Unit)).
		LineWidth(1).FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		SpanNulls(common.BoolOrFloat64{Bool: cog.ToPtr(false)}).
		Legend(legend()).
		Tooltip(tooltip())
}

func pie(q catalog.Query, legendFormat string) *piechart.PanelBuilder {
	return piechart.NewPanelBuilder().
		Title(q.Title).Description(q.Help).
		Datasource(datasourceRef()).
		WithTarget(target(q, "A").Instant().Format(prometheus.PromQueryFormatTimeSeries).LegendFormat(legendFormat)).
		Unit(string(q.Unit)).Decimals(1).
		PieType(piechart.PieChartTypePie).
		DisplayLabels([]piechart.PieChartLabels{piechart.PieChartLabelsName, piechart.PieChartLabelsPercent}).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Values(false).Calcs([]string{"lastNotNull"}).Fields("")).
		Legend(piechart.NewPieChartLegendOptionsBuilder().ShowLegend(true).DisplayMode(common.LegendDisplayModeTable).
			Placement(common.LegendPlacementRight).Values([]piechart.PieChartLegendValues{piechart.PieChartLegendValuesValue, piechart.PieChartLegendValuesPercent}).Calcs([]string{})).
		Tooltip(tooltip())
}

func statPanel(q catalog.Query, legendFormat string) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title(q.Title).Description(q.Help).
		Datasource(datasourceRef()).
		WithTarget(target(q, "A").Instant().Format(prometheus.PromQueryFormatTimeSeries).LegendFormat(legendFormat)).
		Unit(string(q.Unit)).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Values(false).Calcs([]string{"lastNotNull"}).Fields(""))
}

// resultsTable joins one instant query per column on (server, scenario): the writeup's table.
func resultsTable(title, help string, columns []catalog.Query, sortBy string) *table.PanelBuilder {
	b := table.NewPanelBuilder().Title(title).Description(help).Datasource(datasourceRef())
	exclude := []string{"Time"}
	rename := map[string]string{}
	order := map[string]int{"server": 0, "scenario": 1}
	for i, q := range columns {
		ref := refID(i)
		b.WithTarget(instantTable(q, ref))
		rename["Value #"+ref] = q.Title
		order["Value #"+ref] = i + 2
		decimals := 1
		if q.Decimals > 0 {
			decimals = q.Decimals
		}
		b.OverrideByName(q.Title, []dashboard.DynamicConfigValue{
			{Id: "unit", Value: string(q.Unit)},
			{Id: "decimals", Value: decimals},
			{Id: "description", Value: q.Help},
		})
	}
	desc := true
	for _, q := range columns {
		if q.Title == sortBy && q.Better == "lower" {
			desc = false
		}
	}
	return b.
		WithTransformation(transformation("merge", map[string]any{})).
		WithTransformation(organize(exclude, rename, order)).
		WithTransformation(transformation("sortBy", map[string]any{
			"sort": []any{map[string]any{"field": sortBy, "desc": desc}},
		})).
		Footer(footer()).
		CellHeight(common.TableCellHeightSm).
		ShowHeader(true)
}

func refID(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return fmt.Sprintf("Q%d", i)
}

// annotation draws q's series as annotations tagged with their server and scenario.
func annotation(q catalog.Query, color, step, title, text string) *dashboard.AnnotationQueryBuilder {
	return dashboard.NewAnnotationQueryBuilder().
		Name(q.Title).
		Datasource(datasourceRef()).
		Enable(true).
		Hide(false).
		IconColor(color).
		Expr(q.Expr).
		Step(step).
		TitleFormat(title).
		TextFormat(text).
		TagKeys("server,scenario").
		UseValueForTime(false).
		Target(target(q, "Anno"))
}
