package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/stats"
)

//go:embed page.html.tmpl
var pageSource string

var page = template.Must(template.New("page").Parse(pageSource))

// figure is one rendered chart and the catalog query it draws.
type figure struct {
	Query string
	SVG   template.HTML
}

type kv struct{ Name, Value string }

type serverView struct {
	Name, Runtime, Framework string
	Color                    template.CSS
}

type scenarioView struct{ Name, VUs, Duration string }

type cell struct {
	Text string
	Best bool
}

type rowView struct {
	Rank   string
	Server string
	Color  template.CSS
	Cells  []cell
}

type tableView struct {
	Scenario string
	Columns  []catalog.Query
	Rows     []rowView
}

// view is what the template reads; building it is where formatting decisions live.
type view struct {
	TestID     string
	Span       string
	TrialsNote string
	Findings   []results.Finding
	// ScenarioTables are the scenario tables (catalog.ScenarioTables) the run has.
	ScenarioTables []scenarioTableView
	Duet           *duetView
	SweepChart     figure
	SweepRows      []kv
	SweepBound     string
	SweepGoodput   string
	MachineRows    []kv
	Servers        []serverView
	Scenarios      []scenarioView
	StressCharts   []figure
	DeltaChart     figure
	ResultTables   []tableView
	ScoresChart    figure
	CompareText    string
	ShareChart     figure
	FamilyShares   string
	SeriesCharts   []figure
}

// Render writes the report page for d.
func Render(w io.Writer, d *Data) error {
	v, err := buildView(d)
	if err != nil {
		return err
	}
	return page.Execute(w, v)
}

func buildView(d *Data) (*view, error) {
	pal := newPalette(d.Servers, serverNames(d))
	v := &view{TestID: d.TestID, Span: span(d.Start, d.End), MachineRows: machineRows(d.Machine), Findings: d.Findings}
	for _, s := range serverInfos(d) {
		v.Servers = append(v.Servers, serverView{Name: s.Name, Runtime: s.Runtime, Framework: s.Framework, Color: cssColor(pal.of(s.Name))})
	}
	v.Scenarios = scenarios(d)
	var err error
	for _, c := range d.Stress {
		f := figure{Query: c.Query}
		if f.SVG, err = barChart(c, pal, 1, halfW); err != nil {
			return nil, fmt.Errorf("report: chart %s: %w", c.Query, err)
		}
		v.StressCharts = append(v.StressCharts, f)
	}
	v.DeltaChart.Query = d.Delta.Query
	if v.DeltaChart.SVG, err = barChart(d.Delta, pal, 1, fullW); err != nil {
		return nil, fmt.Errorf("report: delta chart: %w", err)
	}
	v.ResultTables = resultTables(d.Table, pal)
	v.ScenarioTables = scenarioTables(d.Tables, pal)
	v.Duet = newDuetView(d.Duet, pal)
	if d.Sweep != nil {
		v.SweepChart.Query = catalog.SweepTTFTP99.Name
		if v.SweepChart.SVG, err = curveChart(d.Sweep, pal); err != nil {
			return nil, fmt.Errorf("report: sweep chart: %w", err)
		}
		v.SweepRows = sweepRows(d.Sweep)
		v.SweepBound = fmt.Sprintf("%.1f ms", d.Sweep.BoundMs)
		v.SweepGoodput = fmt.Sprintf("%g %%", d.Sweep.GoodputPercent)
	}
	if d.Table != nil {
		v.TrialsNote = d.Table.TrialsNote()
	}
	v.ScoresChart.Query = "score.*"
	if v.ScoresChart.SVG, err = groupedBars(d.Scores, pal); err != nil {
		return nil, fmt.Errorf("report: scores chart: %w", err)
	}
	v.CompareText = strings.Join(d.Scores.Servers, " · ")
	if v.CompareText == "" {
		v.CompareText = "No servers to compare"
	}
	v.ShareChart.Query = d.Share.Query
	if v.ShareChart.SVG, err = shareBars(d.Share, pal); err != nil {
		return nil, fmt.Errorf("report: memory share chart: %w", err)
	}
	v.FamilyShares = familyShares(d.RuntimeShare)
	for _, ls := range d.Series {
		f := figure{Query: ls.Query}
		if f.SVG, err = lineChart(ls, pal); err != nil {
			return nil, fmt.Errorf("report: chart %s: %w", ls.Query, err)
		}
		v.SeriesCharts = append(v.SeriesCharts, f)
	}
	return v, nil
}

func cssColor(c color.RGBA) template.CSS {
	return template.CSS(fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B))
}

func span(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return "time span unknown"
	}
	return fmt.Sprintf("%s – %s UTC (%s)", start.UTC().Format("2006-01-02 15:04:05"), end.UTC().Format("15:04:05"), end.Sub(start).Round(time.Second))
}

// machineRows shows the run-info labels in the writeup's order, with memory in GiB.
func machineRows(m map[string]string) []kv {
	if len(m) == 0 {
		return nil
	}
	order := []struct{ label, name string }{
		{"cpu_model", "CPU"}, {"cpus", "CPUs"}, {"memory_bytes", "RAM"}, {"os", "OS"}, {"kernel", "Kernel"},
		{"go_version", "Go"}, {"bun_version", "Bun"}, {"rust_version", "Rust"}, {"git_commit", "Commit"},
	}
	var out []kv
	for _, o := range order {
		val, ok := m[o.label]
		if !ok {
			continue
		}
		if o.label == "memory_bytes" {
			if b, err := strconv.ParseFloat(val, 64); err == nil {
				val = fmt.Sprintf("%.1f GiB", b/(1<<30))
			}
		}
		if o.label == "cpus" && m["cpu_model"] != "" {
			continue // folded into the CPU row, as the writeup writes "4 × model"
		}
		if o.label == "cpu_model" && m["cpus"] != "" {
			val = m["cpus"] + " × " + val
		}
		out = append(out, kv{o.name, val})
	}
	return out
}

// serverNames is every server the run measured, for a palette stable across charts; the
// registry (d.Servers) only describes them and adds none.
func serverNames(d *Data) []string {
	seen := map[string]bool{}
	var names []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			names = append(names, s)
		}
	}
	for _, l := range d.Loads {
		add(l.Server)
	}
	if d.Table != nil {
		for _, r := range d.Table.Rows {
			add(r.Server)
		}
	}
	return names
}

// serverInfos lists the servers of the run; those the registry does not describe get
// empty runtime and framework cells rather than disappearing.
func serverInfos(d *Data) []servers.Info {
	known := map[string]servers.Info{}
	order := map[string]int{}
	for i, s := range d.Servers {
		known[s.Name] = s
		order[s.Name] = i
	}
	names := serverNames(d)
	sort.SliceStable(names, func(i, j int) bool { return rankIn(order, names[i]) < rankIn(order, names[j]) })
	var out []servers.Info
	for _, name := range names {
		if s, ok := known[name]; ok {
			out = append(out, s)
			continue
		}
		out = append(out, servers.Info{Name: name})
	}
	return out
}

// rankIn orders servers as the registry lists them; unknown ones go last.
func rankIn(order map[string]int, name string) int {
	if i, ok := order[name]; ok {
		return i
	}
	return len(order)
}

// scenarios summarises each scenario over its servers: peak VUs and the longest load run.
func scenarios(d *Data) []scenarioView {
	type agg struct{ vus, seconds float64 }
	byName := map[string]*agg{}
	get := func(name string) *agg {
		if byName[name] == nil {
			byName[name] = &agg{vus: math.NaN(), seconds: math.NaN()}
		}
		return byName[name]
	}
	for _, l := range d.Loads {
		a := get(l.Scenario)
		a.vus = nanMax(a.vus, l.MaxVUs)
		a.seconds = nanMax(a.seconds, l.Seconds)
	}
	if d.Table != nil {
		for _, r := range d.Table.Rows {
			get(r.Scenario)
		}
	}
	var out []scenarioView
	for name, a := range byName {
		dur := results.Missing
		if !math.IsNaN(a.seconds) {
			dur = fmt.Sprintf("%.0f s", a.seconds)
		}
		out = append(out, scenarioView{Name: name, VUs: formatValue(a.vus, 0), Duration: dur})
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := scenarioRank(out[i].Name), scenarioRank(out[j].Name)
		return ri < rj || (ri == rj && out[i].Name < out[j].Name)
	})
	return out
}

// nanMax is the larger of a and b, where NaN means "no value yet".
func nanMax(a, b float64) float64 {
	if math.IsNaN(a) {
		return b
	}
	if math.IsNaN(b) {
		return a
	}
	return math.Max(a, b)
}

func scenarioRank(s string) int {
	switch s {
	case catalog.ScenarioBaseline:
		return 0
	case catalog.ScenarioStress:
		return 1
	}
	return 2
}

// resultTables splits the table by scenario and marks each column's best value.
// scenarioTableView is one scenario's own table under its heading.
type scenarioTableView struct {
	catalog.ScenarioTable
	Tables []tableView // the one table, as resultTables draws it
}

func scenarioTables(tables []*results.Table, pal palette) []scenarioTableView {
	var out []scenarioTableView
	for _, t := range tables {
		st, _ := catalog.ScenarioTableOf(t.Scenario)
		out = append(out, scenarioTableView{ScenarioTable: st, Tables: resultTables(t, pal)})
	}
	return out
}

func resultTables(t *results.Table, pal palette) []tableView {
	if t == nil {
		return nil
	}
	columns := t.Columns
	if len(columns) == 0 {
		columns = catalog.ResultsColumns
	}
	var out []tableView
	index := map[string]int{}
	for _, r := range t.Rows {
		i, ok := index[r.Scenario]
		if !ok {
			i = len(out)
			index[r.Scenario] = i
			out = append(out, tableView{Scenario: r.Scenario, Columns: columns})
		}
		row := rowView{Rank: r.RankLabel(), Server: r.Server, Color: cssColor(pal.of(r.Server))}
		for _, c := range columns {
			row.Cells = append(row.Cells, cell{Text: results.FormatInterval(c, r.Interval(c))})
		}
		out[i].Rows = append(out[i].Rows, row)
	}
	for i := range out {
		markBest(&out[i], t)
	}
	sort.SliceStable(out, func(i, j int) bool { return scenarioRank(out[i].Scenario) < scenarioRank(out[j].Scenario) })
	return out
}

func markBest(tv *tableView, t *results.Table) {
	for j, c := range tv.Columns {
		if c.Better == "" {
			continue
		}
		best, at := math.NaN(), []int{}
		var bestRow results.Row
		for i, rv := range tv.Rows {
			r, _ := t.Find(rv.Server, tv.Scenario)
			v := r.Value(c)
			switch {
			case math.IsNaN(v), r.IsReference():
			case math.IsNaN(best), c.Better == "higher" && v > best, c.Better == "lower" && v < best:
				best, at, bestRow = v, []int{i}, r
			case v == best:
				at = append(at, i)
			}
		}
		// Servers whose interval overlaps the best one's are tied for best.
		for i, rv := range tv.Rows {
			r, _ := t.Find(rv.Server, tv.Scenario)
			if !r.IsReference() && r.Server != bestRow.Server && !slices.Contains(at, i) &&
				stats.Overlap(bestRow.Interval(c), r.Interval(c)) {
				at = append(at, i)
			}
		}
		if len(at) == len(tv.Rows) {
			continue // a tie across every row (e.g. fail % all 0) highlights nothing
		}
		for _, i := range at {
			tv.Rows[i].Cells[j].Best = true
		}
	}
}

// familyShares is the writeup's caption: each runtime's share, largest first (the chart's
// order), as the catalog's share.memory_by_runtime_percent computed it.
func familyShares(c Chart) string {
	var parts []string
	for _, b := range c.Bars {
		if !math.IsNaN(b.Value) {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", titleCase(b.Server), b.Value))
		}
	}
	if len(parts) < 2 {
		return ""
	}
	return "Share of total peak RSS across all servers by runtime: " + strings.Join(parts, ", ") + "."
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
