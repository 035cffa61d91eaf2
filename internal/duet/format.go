package duet

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/internal/stats"
)

// Column is one column of the verdict table: the same header and cell in the terminal,
// results.md and the HTML report.
type Column struct {
	Header string
	Cell   func(Row) string
}

// Columns of the verdict table, in order.
var Columns = []Column{
	{"rank", rankCell},
	{"server", serverCell},
	{"cpu ×ref", func(r Row) string { return FormatRatio(r.CPU, r.Reference) }},
	{"cpu µs/stream", func(r Row) string { return formatPlain(r.CPUMicros, 1) }},
	{"peak RSS ×ref", func(r Row) string { return FormatRatio(r.Memory, r.Reference) }},
	{"peak RSS MiB", func(r Row) string { return formatPlain(r.MemoryMiB, 1) }},
	{"+ttft p50 ms", func(r Row) string { return formatPlain(r.Added.TTFTp50, 2) }},
	{"+ttft p99 ms", func(r Row) string { return formatPlain(r.Added.TTFTp99, 2) }},
	{"+gap p99 ms", func(r Row) string { return formatPlain(r.Added.GapP99, 2) }},
	{"+dur p50 ms", func(r Row) string { return formatPlain(r.Added.DurP50, 2) }},
	{"+dur p99 ms", func(r Row) string { return formatPlain(r.Added.DurP99, 2) }},
	{"rounds", func(r Row) string { return roundsCell(r) }},
}

// Missing is the cell of a figure that was not measured.
const Missing = "—"

func rankCell(r Row) string {
	if r.Tied {
		return fmt.Sprintf("≈%d", r.Rank)
	}
	return fmt.Sprint(r.Rank)
}

func serverCell(r Row) string {
	switch {
	case r.Reference:
		return r.Server + " (ref)"
	case r.AA:
		return r.Server + " (A/A)"
	}
	return r.Server
}

func roundsCell(r Row) string {
	if r.Saturated > 0 {
		return fmt.Sprintf("%d (+%d saturated)", r.Rounds, r.Saturated)
	}
	return fmt.Sprint(r.Rounds)
}

// FormatRatio prints a ratio as a factor with the half width of its interval: "1.049 ±0.012".
func FormatRatio(iv stats.Interval, reference bool) string {
	switch {
	case reference:
		return "1 (ref)"
	case math.IsNaN(iv.Point):
		return Missing
	case !iv.Known():
		return fmt.Sprintf("%.3f (no interval)", iv.Point)
	}
	return fmt.Sprintf("%.3f ±%.3f", iv.Point, iv.HalfWidth())
}

func formatPlain(iv stats.Interval, digits int) string {
	switch {
	case math.IsNaN(iv.Point):
		return Missing
	case !iv.Known():
		return fmt.Sprintf("%.*f", digits, iv.Point)
	}
	return fmt.Sprintf("%.*f ±%.*f", digits, iv.Point, digits, iv.HalfWidth())
}

// Headers are the columns' headers, in order.
func Headers() []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = c.Header
	}
	return out
}

// Cells are a row's cells, in the columns' order.
func (r Row) Cells() []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = c.Cell(r)
	}
	return out
}

// WriteText prints the verdict as an aligned table with the A/A line under it.
func (v Verdict) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(Headers(), "\t")+"\t")
	for _, r := range v.Rows {
		fmt.Fprintln(tw, strings.Join(r.Cells(), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, v.AANote())
	return err
}

// WriteMarkdown prints the verdict as a Markdown table with the A/A line under it.
func (v Verdict) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(Headers(), " | "), strings.Repeat(" --- |", len(Columns)))
	for _, r := range v.Rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r.Cells(), " | "))
	}
	_, err := fmt.Fprintf(w, "\n%s\n", v.AANote())
	return err
}

// AANote says what the A/A control shows: whether the verdict can be trusted at its resolution.
func (v Verdict) AANote() string {
	if v.AA == "" {
		return "No A/A control (--no-aa): nothing shows whether position or phase biased the ratios."
	}
	aa, ok := v.Row(v.AA)
	if !ok || !aa.CPU.Known() {
		return fmt.Sprintf("A/A control %s: no interval (too few rounds).", v.AA)
	}
	if v.Biased {
		return fmt.Sprintf("BIASED: the A/A control %s, a second instance of %s, reads %s: its interval excludes 1.00, "+
			"so two copies of one server differ and every ratio above may be off by as much.", v.AA, v.Reference, FormatRatio(aa.CPU, false))
	}
	return fmt.Sprintf("A/A control %s (a second instance of %s): %s, interval contains 1.00: no bias seen.", v.AA, v.Reference, FormatRatio(aa.CPU, false))
}
