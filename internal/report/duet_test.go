package report

import (
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/duet"
)

func duetFixture() *Duet {
	rounds := make([]duet.Round, 6)
	for i := range rounds {
		jitter := 1 + 0.004*float64(i%3-1)
		rounds[i] = duet.Round{Number: i + 1, Samples: map[string]duet.Sample{
			"go-http":    {Streams: 500, Offered: 500, CPUSeconds: 0.50, PeakRSSBytes: 14 << 20},
			"go-http-aa": {Streams: 500, Offered: 500, CPUSeconds: 0.50 * jitter, PeakRSSBytes: 14 << 20},
			"bun-hono":   {Streams: 500, Offered: 500, CPUSeconds: 0.61 * jitter, PeakRSSBytes: 36 << 20},
		}}
	}
	return &Duet{Summary: "6 rounds of 10s", Verdict: duet.Judge(rounds, []string{"go-http", "go-http-aa", "bun-hono"}, "go-http", "go-http-aa", "")}
}

// The side-by-side section shows every row's cells as the terminal does, the A/A line, and
// comes before the writeup's tables in results.md.
func TestReportShowsTheSideBySideVerdict(t *testing.T) {
	d := sampleData()
	d.Duet = duetFixture()
	html := render(t, d)
	bun, _ := d.Duet.Verdict.Row("bun-hono")
	if i, j := strings.Index(html, `<section id="duet">`), strings.Index(html, `<section id="stress">`); i < 0 || i > j {
		t.Errorf("the side-by-side section must come before the stress charts (at %d, stress at %d)", i, j)
	}
	for _, want := range []string{"judged by its ratio to go-http", "go-http-aa (A/A)", "go-http (ref)",
		duet.FormatRatio(bun.CPU, false), "interval contains 1.00: no bias seen"} {
		if !strings.Contains(html, escape(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	var md strings.Builder
	if err := WriteMarkdown(&md, d); err != nil {
		t.Fatal(err)
	}
	if i, j := strings.Index(md.String(), "### Side by side"), strings.Index(md.String(), "| bun-hono | stress |"); i < 0 || j < 0 || i > j {
		t.Errorf("results.md: the side-by-side table must come first:\n%s", md.String())
	}
	if html := render(t, sampleData()); strings.Contains(html, `<section id="duet">`) {
		t.Error("a run without a duet shows its section")
	}
}
