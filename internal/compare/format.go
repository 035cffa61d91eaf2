package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

func (c Cell) cells() []string {
	q, _ := catalog.Get(c.Column)
	value := func(v float64) string {
		if math.IsNaN(v) {
			return results.Missing
		}
		return results.FormatValue(q, v)
	}
	delta, ci, verdict := results.Missing, results.Missing, ""
	if !math.IsNaN(c.Delta) {
		delta = fmt.Sprintf("%+.1f %%", 100*c.Delta)
	}
	if math.IsNaN(c.CILow) && !math.IsNaN(c.Delta) {
		verdict = "not judged: one trial each"
	}
	if !math.IsNaN(c.CILow) {
		ci = fmt.Sprintf("[%+.1f, %+.1f] %%", 100*c.CILow, 100*c.CIHigh)
		verdict = "~ (within noise)"
		if c.Significant {
			verdict = "significant"
			if c.Worse() {
				verdict = "significant, worse"
			} else if c.Better != "" {
				verdict = "significant, better"
			}
		}
	}
	return []string{c.Title, value(c.Baseline), value(c.Candidate), delta, ci, verdict}
}

var header = []string{"server", "scenario", "column", "baseline", "candidate", "delta", "95 % CI", "verdict"}

func (r *Report) lines() [][]string {
	r.sortRows()
	var out [][]string
	for _, row := range r.Rows {
		for _, c := range row.Cells {
			out = append(out, append([]string{row.Server, row.Scenario}, c.cells()...))
		}
	}
	return out
}

func (r *Report) title() string {
	return fmt.Sprintf("candidate %s (%d trials) vs baseline %s (%d trials); mean over trials, Welch's 95 %% interval",
		r.Candidate, r.Trials[1], strings.Join(r.Baseline, ", "), r.Trials[0])
}

// WriteText prints an aligned table for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintln(w, r.title())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, l := range r.lines() {
		fmt.Fprintln(tw, strings.Join(l, "\t"))
	}
	return tw.Flush()
}

// WriteMarkdown prints a GitHub-flavoured Markdown table, for a pull request.
func (r *Report) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "**%s**\n\n| %s |\n|%s\n", r.title(), strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	for _, l := range r.lines() {
		fmt.Fprintf(w, "| %s |\n", strings.Join(l, " | "))
	}
	return nil
}

// WriteJSON writes the report; missing values and intervals are null.
func (r *Report) WriteJSON(w io.Writer) error {
	r.sortRows()
	type jsonCell struct {
		Column      string   `json:"column"`
		Title       string   `json:"title"`
		Better      string   `json:"better"`
		Baseline    *float64 `json:"baseline"`
		Candidate   *float64 `json:"candidate"`
		Delta       *float64 `json:"delta"`
		CILow       *float64 `json:"ci_low"`
		CIHigh      *float64 `json:"ci_high"`
		Trials      [2]int   `json:"trials"`
		Method      string   `json:"method"`
		Significant bool     `json:"significant"`
		Regression  bool     `json:"worse"`
	}
	type jsonRow struct {
		Server   string     `json:"server"`
		Scenario string     `json:"scenario"`
		Cells    []jsonCell `json:"cells"`
	}
	out := struct {
		Candidate  string    `json:"candidate"`
		Baseline   []string  `json:"baseline"`
		Confidence float64   `json:"confidence"`
		Trials     [2]int    `json:"trials"`
		Rows       []jsonRow `json:"rows"`
	}{r.Candidate, r.Baseline, Confidence, r.Trials, nil}
	for _, row := range r.Rows {
		jr := jsonRow{Server: row.Server, Scenario: row.Scenario}
		for _, c := range row.Cells {
			jr.Cells = append(jr.Cells, jsonCell{Column: c.Column, Title: c.Title, Better: c.Better,
				Baseline: orNull(c.Baseline), Candidate: orNull(c.Candidate), Delta: orNull(c.Delta),
				CILow: orNull(c.CILow), CIHigh: orNull(c.CIHigh), Trials: c.Trials, Method: c.Method, Significant: c.Significant, Regression: c.Worse()})
		}
		out.Rows = append(out.Rows, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func orNull(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
