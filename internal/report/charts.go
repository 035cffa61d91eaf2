package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"regexp"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgsvg" // registers the "svg" format of Plot.WriterTo
)

// Charts are drawn by gonum/plot into SVG and inlined in the page; fonts are not embedded
// (they would add ~300 kB per chart): the SVG names Liberation Sans and the page falls back
// to metric-compatible Arial/Helvetica.

var (
	sans      = font.Font{Typeface: "Liberation", Variant: "Sans"}
	ink       = color.RGBA{0x2b, 0x2f, 0x36, 0xff}
	gridColor = color.RGBA{0xe3, 0xe6, 0xea, 0xff}
)

const (
	chartW = 6.4 * vg.Inch
	chartH = 3.4 * vg.Inch
)

// newPlot is a plot with the report's fonts, colours and a light horizontal grid.
func newPlot(title, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 13)
	p.Title.TextStyle.Color = ink
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Label.TextStyle.Color = ink
		a.Tick.Label.Font = font.From(sans, 10)
		a.Tick.Label.Color = ink
		a.Color = ink
		a.Tick.Color = ink
	}
	p.Y.Label.Text = yLabel
	p.Legend.TextStyle.Font = font.From(sans, 10)
	p.Legend.TextStyle.Color = ink
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = gridColor
	p.Add(grid)
	return p
}

var (
	svgStart     = regexp.MustCompile(`(?s)^.*?<svg `)
	svgFontFaces = regexp.MustCompile(`font-family:Liberation Sans;`)
	svgSize      = regexp.MustCompile(`^<svg width="[^"]*" height="[^"]*"`)
)

// svg renders p and returns markup ready to inline in HTML: no XML prolog, scalable width.
func svg(p *plot.Plot, w, h vg.Length, label string) (template.HTML, error) {
	wt, err := p.WriterTo(w, h, "svg")
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return "", err
	}
	s := svgStart.ReplaceAllString(buf.String(), "<svg ")
	s = svgSize.ReplaceAllString(s, fmt.Sprintf(`<svg role="img" aria-label="%s" class="chart"`, template.HTMLEscapeString(label)))
	s = svgFontFaces.ReplaceAllString(s, `font-family:'Liberation Sans',Arial,Helvetica,sans-serif;`)
	return template.HTML(s), nil
}

// Sizes: half-width charts sit two to a row; full-width ones are twice as wide, so that
// text keeps the same size on the page whichever the chart.
var (
	halfW = chartW
	fullW = 2 * chartW
)

// barChart draws one bar per server, coloured by server, each labelled with its value.
func barChart(c Chart, pal palette, decimals int, w vg.Length) (template.HTML, error) {
	p := newPlot(c.Title, c.Unit)
	bars := append([]Bar(nil), c.Bars...)
	names := make([]string, len(bars))
	var labels plotter.XYLabels
	lo, hi := 0.0, 0.0
	var errs errorBars
	for i, b := range bars {
		names[i] = b.Server
		v := b.Value
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		bc, err := plotter.NewBarChart(plotter.Values{v}, barWidth(len(bars), 260))
		if err != nil {
			return "", err
		}
		bc.XMin = float64(i)
		bc.Color = pal.of(b.Server)
		bc.LineStyle.Width = 0
		p.Add(bc)
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		top := v
		if b.Hi > b.Lo && !math.IsNaN(b.Lo) && !math.IsNaN(b.Hi) {
			errs.add(float64(i), v, b.Lo, b.Hi)
			hi, top = math.Max(hi, b.Hi), math.Max(v, b.Hi)
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: top})
		label := formatValue(b.Value, decimals)
		if b.Tied {
			label = "≈" + label
		}
		labels.Labels = append(labels.Labels, label)
	}
	if err := errs.draw(p); err != nil {
		return "", err
	}
	if len(bars) == 0 {
		return emptyChart(c.Title)
	}
	p.Y.Tick.Marker = cleanTicks{}
	headroom := 0.12 * math.Max(hi-lo, 1e-9)
	p.Y.Min, p.Y.Max = math.Min(0, lo-headroom*boolTo(lo < 0)), hi+headroom
	if lo < 0 {
		zero := plotter.NewFunction(func(float64) float64 { return 0 })
		zero.Color = ink
		zero.Width = vg.Points(0.8)
		p.Add(zero)
	}
	if err := addLabels(p, labels); err != nil {
		return "", err
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	p.X.Tick.Label.Rotation = rotationFor(len(names))
	if p.X.Tick.Label.Rotation != 0 {
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	return svg(p, w, chartH, c.Title)
}

// cleanTicks are gonum's default ticks labelled without trailing zeros ("2500", not "2500.00").
type cleanTicks struct{}

func (cleanTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', -1, 64)
		}
	}
	return ticks
}

// barWidth shares room points among n bars, so that two bars are not slivers and nine do not touch.
func barWidth(n int, room float64) vg.Length {
	return vg.Points(math.Min(56, room/float64(max(n, 1))))
}

func boolTo(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func rotationFor(n int) float64 {
	if n > 5 {
		return math.Pi / 6
	}
	return 0
}

func addLabels(p *plot.Plot, xy plotter.XYLabels) error {
	l, err := plotter.NewLabels(xy)
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font = font.From(sans, 9)
		l.TextStyle[i].Color = ink
		l.TextStyle[i].XAlign = draw.XCenter
		if xy.XYs[i].Y < 0 {
			l.TextStyle[i].YAlign = draw.YTop
		}
	}
	l.Offset = vg.Point{Y: vg.Points(3)}
	p.Add(l)
	return nil
}

func formatValue(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return fmt.Sprintf("%.*f", decimals, v)
}

// groupedBars draws the normalized scores: one group per axis, one bar per server.
func groupedBars(s Scores, pal palette) (template.HTML, error) {
	title := "Normalized scores (100 = best in class)"
	if len(s.Servers) == 0 {
		return emptyChart(title)
	}
	p := newPlot(title, "score")
	n := float64(len(s.Servers))
	width := vg.Points(math.Min(22, 90/n))
	for i, server := range s.Servers {
		vals := make(plotter.Values, len(s.Axes))
		for j := range s.Axes {
			v := s.Values[i][j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0
			}
			vals[j] = v
		}
		bc, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return "", err
		}
		bc.Color = pal.of(server)
		bc.LineStyle.Width = 0
		bc.Offset = vg.Length(float64(i)-(n-1)/2) * width
		p.Add(bc)
		p.Legend.Add(server, bc)
	}
	p.Y.Min, p.Y.Max = 0, 130 // room above 100 for the legend
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.Padding = vg.Points(2)
	p.NominalX(s.Axes...)
	p.X.Min, p.X.Max = -0.6, float64(len(s.Axes))-0.4
	p.Y.Tick.Marker = cleanTicks{}
	return svg(p, fullW, chartH*1.1, title)
}

// shareBars is the memory share as horizontal bars of percent, largest first: gonum/plot
// has no pie chart, and bars compare shares more precisely anyway.
func shareBars(c Chart, pal palette) (template.HTML, error) {
	bars := append([]Bar(nil), c.Bars...)
	if len(bars) == 0 {
		return emptyChart(c.Title)
	}
	sort.SliceStable(bars, func(i, j int) bool { return bars[i].Value < bars[j].Value }) // bottom-up: largest on top
	p := newPlot(c.Title, "")
	p.X.Label.Text = c.Unit
	names := make([]string, len(bars))
	var labels plotter.XYLabels
	hi := 0.0
	for i, b := range bars {
		names[i] = b.Server
		v := b.Value
		if math.IsNaN(v) {
			v = 0
		}
		bc, err := plotter.NewBarChart(plotter.Values{v}, min(barWidth(len(bars), 200), vg.Points(18)))
		if err != nil {
			return "", err
		}
		bc.Horizontal = true
		bc.XMin = float64(i)
		bc.Color = pal.of(b.Server)
		bc.LineStyle.Width = 0
		p.Add(bc)
		hi = math.Max(hi, v)
		labels.XYs = append(labels.XYs, plotter.XY{X: v, Y: float64(i)})
		labels.Labels = append(labels.Labels, formatValue(b.Value, 1)+" %")
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return "", err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font = font.From(sans, 9)
		l.TextStyle[i].Color = ink
		l.TextStyle[i].YAlign = draw.YCenter
	}
	l.Offset = vg.Point{X: vg.Points(4)}
	p.Add(l)
	p.X.Min, p.X.Max = 0, hi*1.18+1
	p.NominalY(names...)
	p.Y.Min, p.Y.Max = -0.6, float64(len(names))-0.4
	p.X.Tick.Marker = cleanTicks{}
	h := vg.Points(60 + 20*float64(len(bars)))
	return svg(p, fullW, max(h, chartH*0.6), c.Title)
}

// lineChart draws one line per (server, scenario) over wall-clock time, coloured by server
// (a server's scenarios run at different times, so they never overlap).
func lineChart(ls Lines, pal palette) (template.HTML, error) {
	if len(ls.Lines) == 0 {
		return emptyChart(ls.Title)
	}
	p := newPlot(ls.Title, ls.Unit)
	p.X.Tick.Marker = plot.TimeTicks{Format: "15:04:05"}
	p.X.Label.Text = "time (UTC)"
	p.X.Tick.Label.Font = font.From(sans, 9)
	legend := map[string]bool{}
	top := 0.0
	for _, line := range ls.Lines {
		xys := make(plotter.XYs, 0, len(line.Points))
		for _, pt := range line.Points {
			if math.IsNaN(pt.V) || math.IsInf(pt.V, 0) {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(pt.T.UnixNano()) / 1e9, Y: pt.V})
			top = math.Max(top, pt.V)
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return "", err
		}
		l.Color = pal.of(line.Server)
		l.Width = vg.Points(1.2)
		if line.Scenario == "baseline" {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		if !legend[line.Server] {
			legend[line.Server] = true
			solid := &plotter.Line{LineStyle: draw.LineStyle{Color: l.Color, Width: vg.Points(2)}}
			p.Legend.Add(line.Server, solid)
		}
	}
	p.Y.Min = 0
	p.Y.Max = top * 1.45 // room above the lines for the legend
	p.Y.Tick.Marker = cleanTicks{}
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.ThumbnailWidth = vg.Points(14)
	return svg(p, halfW, chartH*1.15, ls.Title)
}

// emptyChart says plainly that Prometheus had no data, instead of drawing empty axes.
func emptyChart(title string) (template.HTML, error) {
	return template.HTML(`<p class="nodata">` + template.HTMLEscapeString(title) + `: no data in Prometheus for this run.</p>`), nil
}

// errorBars are the 95 % intervals drawn over bars.
type errorBars struct {
	xys  plotter.XYs
	errs plotter.YErrors
}

func (e *errorBars) add(x, y, lo, hi float64) {
	e.xys = append(e.xys, plotter.XY{X: x, Y: y})
	e.errs = append(e.errs, struct{ Low, High float64 }{Low: y - lo, High: hi - y})
}

func (e *errorBars) draw(p *plot.Plot) error {
	if len(e.xys) == 0 {
		return nil
	}
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{e.xys, e.errs})
	if err != nil {
		return err
	}
	eb.LineStyle.Color = ink
	eb.LineStyle.Width = vg.Points(1)
	eb.CapWidth = vg.Points(8)
	p.Add(eb)
	return nil
}
