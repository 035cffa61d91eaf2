package report

import (
	"html/template"

	"github.com/ssebench/ssebench/internal/duet"
)

// duetView is the side-by-side section: the verdict's own columns, so that its cells read
// as in the terminal and results.md.
type duetView struct {
	Reference, Summary, AANote string
	Biased                     bool
	Headers                    []string
	Rows                       []duetRowView
	colors                     map[string]template.CSS
}

type duetRowView struct {
	Cells []string
	Note  string // a CSS class: "ref" or "aa"
}

func newDuetView(d *Duet, pal palette) *duetView {
	if d == nil {
		return nil
	}
	v := &duetView{Reference: d.Verdict.Reference, Summary: d.Summary, AANote: d.Verdict.AANote(), Biased: d.Verdict.Biased,
		colors: map[string]template.CSS{}}
	v.Headers = duet.Headers()
	for _, r := range d.Verdict.Rows {
		row := duetRowView{Cells: r.Cells()}
		switch {
		case r.Reference:
			row.Note = "ref"
		case r.AA:
			row.Note = "aa"
		}
		server := r.Server
		if r.AA {
			server = d.Verdict.Reference // the same server, a second instance
		}
		v.colors[row.Cells[1]] = cssColor(pal.of(server))
		v.Rows = append(v.Rows, row)
	}
	return v
}

// Color is the swatch of a row's server cell.
func (v *duetView) Color(cell string) template.CSS { return v.colors[cell] }
