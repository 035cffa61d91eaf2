package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/xychart"

	"github.com/ssebench/ssebench/internal/catalog"
)

// sweepHelp says where the sweep's data lives: under its own testid, so that the run's
// tables and trends keep one point per run.
const sweepHelp = "The sweep runs under the run's id with -sweep appended: pick that testid to fill this row. Each scenario sweep-<rate> is one step of offered arrival rate; the capacities by both rules are in this row, the run's results and report."

// sweepRow is each server's capacity as the sweep judged it, by both rules, then the
// latency-throughput curve: the achieved rate of each step against its p99 time to first
// token, one line per server, and the same steps as a table.
func sweepRow(l *layout) {
	l.row("Capacity (sweep)")
	l.panel(12, 8, sweepCapacity(catalog.SweepCapacity, "Capacity@SLO on goodput - sweep"))
	l.panel(12, 8, sweepCapacity(catalog.SweepCapacityTTFT, "Capacity@SLO on p99 TTFT - sweep"))
	l.panel(12, 10, sweepCurve())
	l.panel(12, 10, resultsTable("Latency-throughput curve - sweep steps",
		sweepHelp, catalog.SweepColumns, catalog.SweepReqPerSecond.Title))
}

// sweepCapacity is one bar per server of a capacity the sweep pushed when it ended.
func sweepCapacity(q catalog.Query, title string) *barchart.PanelBuilder {
	return serverBars(q).Title(title).Description(q.Help + " " + sweepHelp)
}

// sweepCurve plots p99 TTFT (y) against achieved req/s (x): the two instant queries are
// merged into one table, then split into one frame per server for one line each.
func sweepCurve() *xychart.PanelBuilder {
	x, y := catalog.SweepReqPerSecond, catalog.SweepTTFTP99
	return xychart.NewPanelBuilder().
		Title("p99 TTFT vs achieved rate - sweep").
		Description(y.Help+" "+sweepHelp).
		Datasource(datasourceRef()).
		WithTarget(instantTable(x, "A")).
		WithTarget(instantTable(y, "B")).
		WithTransformation(transformation("merge", map[string]any{})).
		WithTransformation(organize([]string{"Time", "scenario"},
			map[string]string{"Value #A": x.Title, "Value #B": y.Title},
			map[string]int{"server": 0, "Value #A": 1, "Value #B": 2})).
		WithTransformation(transformation("sortBy", map[string]any{
			"sort": []any{map[string]any{"field": x.Title, "desc": false}},
		})).
		WithTransformation(transformation("partitionByValues", map[string]any{"fields": []any{"server"}})).
		Mapping(xychart.SeriesMappingAuto).
		Show(xychart.XYShowModePointsAndLines).
		Unit(string(y.Unit)).
		AxisLabel(y.Title).
		Legend(legend()).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeSingle)).
		OverrideByName(x.Title, []dashboard.DynamicConfigValue{{Id: "unit", Value: string(x.Unit)}})
}
