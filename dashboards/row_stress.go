package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// stressRow is the writeup's "Stress test - top-line numbers": one bar per server.
func stressRow(l *layout) {
	l.row("Stress test - top-line numbers")
	for _, q := range []catalog.Query{catalog.StressThroughput, catalog.StressP95, catalog.StressCPU, catalog.StressMemory} {
		l.panel(12, 8, serverBars(q))
	}
}
