package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/ssebench/ssebench/internal/catalog"
)

// layout places rows and panels on Grafana's 24-column grid explicitly and numbers panels,
// so that every generation yields the same ids and positions.
type layout struct {
	dash   *dashboard.DashboardBuilder
	y      uint32 // top of the next line
	x      uint32 // left of the next panel on the current line
	lineH  uint32 // height of the current line
	nextID uint32
	err    error
}

func newLayout(d *dashboard.DashboardBuilder) *layout { return &layout{dash: d, nextID: 1} }

// row starts a new, expanded row below everything placed so far.
func (l *layout) row(title string) {
	l.newLine()
	l.dash.WithRow(dashboard.NewRowBuilder(title).Id(l.id()).GridPos(dashboard.GridPos{X: 0, Y: l.y, W: 24, H: 1}))
	l.y++
}

// panel places p w columns wide and h units high, wrapping to a new line when it does not fit.
func (l *layout) panel(w, h uint32, p cog.Builder[dashboard.Panel]) {
	if l.x+w > 24 {
		l.newLine()
	}
	built, err := p.Build()
	if err != nil {
		if l.err == nil {
			l.err = err
		}
		return
	}
	built.Id = cog.ToPtr(l.id())
	built.GridPos = &dashboard.GridPos{X: l.x, Y: l.y, W: w, H: h}
	l.dash.WithPanel(placed(built))
	l.x += w
	l.lineH = max(l.lineH, h)
}

func (l *layout) newLine() {
	l.y += l.lineH
	l.x, l.lineH = 0, 0
}

func (l *layout) id() uint32 {
	id := l.nextID
	l.nextID++
	return id
}

// placed is an already-built panel handed back to the dashboard builder.
type placed dashboard.Panel

func (p placed) Build() (dashboard.Panel, error) { return dashboard.Panel(p), nil }

// seriesPanel is one time-series panel: a catalog query and its legend.
type seriesPanel struct {
	q      catalog.Query
	legend string
}

// seriesPanels places each as a half-width time series, two to a line.
func (l *layout) seriesPanels(panels ...seriesPanel) {
	for _, p := range panels {
		l.panel(12, 8, timeSeries(p.q, p.legend))
	}
}
