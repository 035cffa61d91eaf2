package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"

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

// runsRow lists every testid of the time range, newest first, with its run's window (every
// trial of it); clicking a row opens the Run dashboard on that testid and window, so the
// Run dashboard's time range is never set by hand.
func runsRow(l *layout) {
	l.row("Runs")
	l.panel(24, 8, runsTable())
}

// Field names of the Runs table after organize: start and end are shown as times, from_ms
// and to_ms (the same queries) are hidden and carry the raw milliseconds the link needs.
const (
	runsStart  = "start"
	runsEnd    = "end"
	runsFromMs = "from_ms"
	runsToMs   = "to_ms"
)

func runsTable() *table.PanelBuilder {
	b := table.NewPanelBuilder().Title("Runs - click one to open it on its time range").
		Description("Each testid with the time span of its run (every trial of it, and a few seconds either side), from the run-end recording series and the load runs' lengths. " +
			"Click a row to open the Run dashboard on that testid and span.").
		Datasource(datasourceRef())
	fields := []struct {
		q    catalog.Query
		name string
		raw  bool
	}{{catalog.RunsFromMs, runsStart, false}, {catalog.RunsToMs, runsEnd, false}, {catalog.RunsFromMs, runsFromMs, true}, {catalog.RunsToMs, runsToMs, true}}
	rename := map[string]string{}
	order := map[string]int{"testid": 0}
	for i, f := range fields {
		ref := refID(i)
		b.WithTarget(instantTable(f.q, ref))
		rename["Value #"+ref] = f.name
		order["Value #"+ref] = i + 1
		if f.raw {
			b.OverrideByName(f.name, []dashboard.DynamicConfigValue{
				{Id: "unit", Value: "none"}, {Id: "decimals", Value: 0}, {Id: "custom.hidden", Value: true},
			})
		} else {
			b.OverrideByName(f.name, []dashboard.DynamicConfigValue{
				{Id: "unit", Value: "dateTimeAsIso"}, {Id: "description", Value: f.q.Help},
			})
		}
	}
	return b.
		WithTransformation(transformation("merge", map[string]any{})).
		WithTransformation(organize([]string{"Time"}, rename, order)).
		WithTransformation(transformation("sortBy", map[string]any{
			"sort": []any{map[string]any{"field": runsEnd, "desc": true}},
		})).
		DataLinks([]cog.Builder[dashboard.DashboardLink]{openRun()}).
		Footer(footer()).
		CellHeight(common.TableCellHeightSm).
		ShowHeader(true)
}

// openRun opens the Run dashboard on a Runs table row: its testid, from and to in ms.
func openRun() *dashboard.DashboardLinkBuilder {
	return dashboard.NewDashboardLinkBuilder("Open this run").
		Url("/d/" + RunUID + "?var-testid=${__data.fields.testid}&from=${__data.fields." + runsFromMs + "}&to=${__data.fields." + runsToMs + "}").
		TargetBlank(false)
}
