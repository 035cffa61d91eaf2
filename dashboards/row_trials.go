package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/ssebench/ssebench/internal/catalog"
)

// trialsRow is the run's req/s, p95 and CPU across its trials (testids $run-t1 … -tN): the
// mean and the half width of the 95 % Student's t interval, as the terminal table prints
// them, and N. A single-trial run shows N = 1 and "1 trial: no interval".
func trialsRow(l *layout) {
	l.row("Across trials")
	t := resultsTable("Across trials - mean ± 95 % interval",
		"Every trial of the run (testids <run>-t1 … -tN, the run taken from the testid): per server and scenario, the mean over trials of req/s, p95 and CPU, "+
			"each trial computed as in Full results, ± the half width of the 95 % Student's t interval, t(0.975, N−1) · s/√N (docs/trials.md), and N. "+
			"The time range must cover every trial, not only the selected testid's: the Runs table of the Trends dashboard opens a run on its whole span.",
		catalog.TrialsColumns, catalog.TrialsColumns[0].Title)
	// An override's value is free-form JSON: a map, so that it re-encodes byte for byte.
	noInterval := []any{map[string]any{
		"type": string(dashboard.MappingTypeSpecialValue),
		"options": map[string]any{
			"match":  string(dashboard.SpecialValueMatchNaN),
			"result": map[string]any{"text": "1 trial: no interval"},
		},
	}}
	for _, q := range catalog.TrialsColumns {
		if q.Name == catalog.TrialsN.Name {
			t.OverrideByName(q.Title, []dashboard.DynamicConfigValue{{Id: "decimals", Value: 0}})
			continue
		}
		t.OverrideByName(q.Title, []dashboard.DynamicConfigValue{{Id: "mappings", Value: noInterval}})
	}
	l.panel(24, 10, t)
}
