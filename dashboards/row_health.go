package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/ssebench/ssebench/internal/catalog"
)

// healthRow shows the two ways a proxy breaks streaming: buffering (first token arrives with
// the last) and Nagle stalls (gaps far above the stub's inter-token delay).
func healthRow(l *layout) {
	l.row("Streaming health - buffering and Nagle stalls")
	perScenario := "{{server}} {{scenario}}"
	l.panel(12, 8, timeSeries(catalog.HealthFirstTokenShare, perScenario).Min(0).Max(1))
	l.panel(12, 8, timeSeries(catalog.HealthMaxGap, perScenario))
	l.panel(8, 8, statPanel(catalog.HealthProbeSuccess, "{{server}}").
		Mappings([]dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText, Options: map[string]dashboard.ValueMappingResult{
			"0": {Text: cog.ToPtr("stalled or buffered"), Color: cog.ToPtr("red")},
			"1": {Text: cog.ToPtr("healthy"), Color: cog.ToPtr("green")},
		}}}}))
	l.panel(8, 8, timeSeries(catalog.HealthProbeMaxGap, "{{server}}"))
	l.panel(8, 8, timeSeries(catalog.HealthProbeFirstEvent, "{{server}}").Min(0).Max(1))
}
