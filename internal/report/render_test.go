package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

func render(t *testing.T, d *Data) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var inlineSVG = regexp.MustCompile(`(?s)<svg .*?</svg>`)

func TestReportHasEveryChartAsWellFormedSVG(t *testing.T) {
	html := render(t, sampleData())
	svgs := inlineSVG.FindAllString(html, -1)
	// 4 stress bars + delta + scores + memory share + 2 over-the-run line charts
	if len(svgs) != 9 {
		t.Fatalf("got %d inline SVG charts, want 9", len(svgs))
	}
	for i, s := range svgs {
		dec := xml.NewDecoder(strings.NewReader(s))
		elements := 0
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("chart %d is not well-formed SVG: %v", i, err)
			}
			if _, ok := tok.(xml.StartElement); ok {
				elements++
			}
		}
		if elements < 20 {
			t.Errorf("chart %d has only %d elements: nothing drawn?", i, elements)
		}
	}
	for _, title := range []string{catalog.StressThroughput.Title, catalog.StressP95.Title, catalog.StressCPU.Title, catalog.StressMemory.Title,
		catalog.ThroughputDelta.Title, catalog.MemoryShare.Title, catalog.SeriesReqPerSecond.Title, catalog.SeriesP95.Title} {
		if !strings.Contains(html, `aria-label="`+escape(title)+`"`) {
			t.Errorf("no chart titled %q", title)
		}
	}
	for _, axis := range catalog.ScoreAxes {
		if !strings.Contains(svgs[5], ">"+axis.Title+"<") {
			t.Errorf("scores chart has no %q axis", axis.Title)
		}
	}
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestReportHasEveryResultsRowAndColumn(t *testing.T) {
	d := sampleData()
	html := render(t, d)
	rows := regexp.MustCompile(`(?s)<tr><td class="num">[^<]*</td><td><span class="swatch"[^>]*></span>([a-z-]+)</td>((?:<td class="num[^"]*">[^<]*</td>){8})</tr>`).FindAllStringSubmatch(html, -1)
	if len(rows) != len(d.Table.Rows) {
		t.Fatalf("got %d results rows, want %d (8 servers × 2 scenarios)", len(rows), len(d.Table.Rows))
	}
	if !strings.Contains(rows[len(rows)/2][0], ">bun-hono<") || !strings.Contains(rows[len(rows)/2][2], ">1609.6<") {
		t.Errorf("first stress row should be bun-hono at 1609.6 req/s: %s", rows[len(rows)/2][0])
	}
	for _, c := range catalog.ResultsColumns {
		if strings.Count(html, ">"+c.Title+"</th>") != 2 {
			t.Errorf("column %q is not in both scenario tables", c.Title)
		}
	}
	if !strings.Contains(html, `<td class="num">—</td>`) {
		t.Error("the missing rust-http baseline CPU cell is not shown as —")
	}
	if !strings.Contains(html, `<td class="num best">1609.6</td>`) {
		t.Error("the best stress throughput is not highlighted")
	}
	for _, want := range []string{"4 × Intel Core i5-7300HQ", "8.0 GiB", "actix-web 4", "go1.26.8", "<td>baseline</td><td class=\"num\">10</td><td class=\"num\">60 s</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !regexp.MustCompile(`Bun 5\d%`).MatchString(html) {
		t.Error("memory share caption should give Bun's share (~58 %) like the writeup")
	}
}

func TestReportIsSelfContained(t *testing.T) {
	html := render(t, sampleData())
	for _, bad := range []string{"<script", "<link", "src=", "url(", `href="http`, "@import"} {
		if strings.Contains(html, bad) {
			t.Errorf("page references something outside itself: %q", bad)
		}
	}
	outside := regexp.MustCompile(`https?://[^"\s]+`).FindAllString(html, -1)
	for _, u := range outside {
		if u != "http://www.w3.org/2000/svg" && u != "http://www.w3.org/1999/xlink" {
			t.Errorf("page mentions URL %s", u)
		}
	}
}

func TestEmptyRunRendersPlaceholders(t *testing.T) {
	// What Fetch returns for a testid Prometheus knows nothing about.
	d := &Data{TestID: "empty"}
	for _, q := range []catalog.Query{catalog.StressThroughput, catalog.StressP95, catalog.StressCPU, catalog.StressMemory} {
		d.Stress = append(d.Stress, Chart{Query: q.Name, Title: q.Title})
	}
	d.Delta = Chart{Query: catalog.ThroughputDelta.Name, Title: catalog.ThroughputDelta.Title}
	d.Share = Chart{Query: catalog.MemoryShare.Name, Title: catalog.MemoryShare.Title}
	d.Series = []Lines{{Query: catalog.SeriesReqPerSecond.Name, Title: catalog.SeriesReqPerSecond.Title}, {Query: catalog.SeriesP95.Name, Title: catalog.SeriesP95.Title}}
	html := render(t, d)
	if strings.Contains(html, "<svg ") {
		t.Error("charts drawn without data")
	}
	// 9 charts, the machine table and the results table
	if strings.Count(html, `class="nodata"`) != 11 {
		t.Errorf("want a no-data note per chart and for the machine table:\n%s", html)
	}
}

func TestWriteCreatesHTMLAndMarkdown(t *testing.T) {
	dir := t.TempDir()
	p, err := Write(dir, sampleData())
	if err != nil {
		t.Fatal(err)
	}
	if p.HTML != filepath.Join(dir, "20261127-0400", "index.html") {
		t.Errorf("html at %s", p.HTML)
	}
	md, err := os.ReadFile(p.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| bun-hono | stress | 1609.6 |") || !strings.Contains(string(md), "`20261127-0400`") {
		t.Errorf("results.md lacks the table:\n%s", md)
	}
	if _, err := Write(dir, &Data{TestID: "../escape"}); err == nil || !strings.Contains(err.Error(), "../escape") {
		t.Errorf("a testid that escapes the output directory must be refused, got %v", err)
	}
}

// BenchmarkRender draws the writeup-sized report (8 servers, 9 charts) without Prometheus.
func BenchmarkRender(b *testing.B) {
	d := sampleData()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "html-bytes")
}

// Trials show as error bars and "≈" ties on the stress bars, "±" cells, a rank column and
// the sentence saying how many trials the figures rest on.
func TestReportShowsIntervalsAndTies(t *testing.T) {
	d := sampleData()
	plain := render(t, d)
	for i := range d.Stress[0].Bars {
		b := &d.Stress[0].Bars[i]
		b.Lo, b.Hi = b.Value*0.95, b.Value*1.05
	}
	d.Stress[0].Bars[1].Tied = true
	trial := func(id string, f float64) *results.Table {
		t := &results.Table{TestID: id, Trials: []string{id}, Columns: catalog.ResultsColumns}
		for _, r := range d.Table.Rows {
			v := map[string]float64{}
			for k, x := range r.Values {
				v[k] = x * f
			}
			t.Rows = append(t.Rows, results.Row{Server: r.Server, Scenario: r.Scenario, Values: v})
		}
		return t
	}
	d.Table = results.Merge(d.TestID, []*results.Table{trial("a-t1", 1), trial("a-t2", 1.02), trial("a-t3", 0.98)})
	html := render(t, d)
	if n, m := strings.Count(html, "<path"), strings.Count(plain, "<path"); n <= m {
		t.Errorf("error bars add no paths: %d with intervals, %d without", n, m)
	}
	for _, want := range []string{"≈", "±", "3 trials", "<th>rank</th>"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestReportDrawsTheSweep(t *testing.T) {
	d := sampleData()
	plain := render(t, d)
	curve := &results.Table{Columns: catalog.SweepColumns}
	for _, server := range []string{"direct", "go-http"} {
		for i, rate := range []float64{100, 200, 400} {
			curve.Rows = append(curve.Rows, results.Row{Server: server, Scenario: "sweep-" + fmt.Sprint(rate), Values: map[string]float64{
				catalog.ResultsReqPerSecond.Name: rate, catalog.SweepTTFTP99.Name: 5 + 30*float64(i)}})
		}
	}
	d.Sweep = &Sweep{BoundMs: 55, GoodputPercent: 99, Curve: curve, Capacities: []SweepCapacity{{Server: "direct", Capacity: 400, CapacityTTFT: 400, Limit: "harness"}, {Server: "go-http", Capacity: 200, CapacityTTFT: 150, Limit: "proxy"}}}
	html := render(t, d)
	if strings.Count(html, "<svg ") != strings.Count(plain, "<svg ")+1 {
		t.Error("the sweep adds no chart")
	}
	for _, want := range []string{"Capacity under the SLO", "200 streams/s (proxy limit); 150 streams/s within the p99 TTFT rule", "55.0 ms", "fewer than 99 % of its streams"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(plain, "Capacity under the SLO") {
		t.Error("a run without a sweep shows a sweep section")
	}
	// results.md has the same capacities, by both rules.
	var md, plainMD strings.Builder
	if err := WriteMarkdown(&md, d); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Capacity under the SLO (sweep)", "goodput ≥ 99 % of streams", "p99 TTFT ≤ 55.0 ms",
		"| direct | 400 | harness | 400 |", "| go-http | 200 | proxy | 150 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md.String())
		}
	}
	if err := WriteMarkdown(&plainMD, sampleData()); err != nil || strings.Contains(plainMD.String(), "Capacity under the SLO") {
		t.Errorf("a run without a sweep: %v, or its results.md shows a sweep section", err)
	}
}
