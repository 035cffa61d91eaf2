package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// deltaRow is the writeup's "Baseline vs stress - throughput delta".
func deltaRow(l *layout) {
	l.row("Baseline vs stress")
	l.panel(24, 8, serverBars(catalog.ThroughputDelta).Decimals(1))
}
