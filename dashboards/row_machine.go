package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/table"

	"github.com/ssebench/ssebench/internal/catalog"
)

// machineRow is the writeup's Machine and "Servers under test" tables.
func machineRow(l *layout) {
	l.row("Machine and servers")
	q := catalog.RunInfo
	l.panel(14, 5, table.NewPanelBuilder().
		Title(q.Title).Description(q.Help).Datasource(datasourceRef()).
		WithTarget(instantTable(q, "A")).
		WithTransformation(organize([]string{"Time", "Value", "testid"}, nil, nil)).
		Footer(footer()).ShowHeader(true))
	s := catalog.ServersOfRun
	l.panel(10, 5, table.NewPanelBuilder().
		Title(s.Title).Description(s.Help).Datasource(datasourceRef()).
		WithTarget(instantTable(s, "A")).
		WithTransformation(organize([]string{"Time"}, map[string]string{"Value": "max VUs"}, map[string]int{"server": 0, "scenario": 1, "Value": 2})).
		Footer(footer()).ShowHeader(true))
}
