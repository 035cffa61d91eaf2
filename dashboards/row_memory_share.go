package dashboards

import "github.com/ssebench/ssebench/internal/catalog"

// memoryShareRow is the writeup's "Memory share by server - stress peak RSS" pie.
func memoryShareRow(l *layout) {
	l.row("Memory share")
	l.panel(12, 10, pie(catalog.MemoryShare, "{{server}}"))
}
