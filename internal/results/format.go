package results

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/internal/catalog"
)

// Missing is shown for a cell Prometheus had no value for (for example CPU and memory
// when no exporter ran).
const Missing = "—"

// FormatValue prints a cell the way the writeup does: one decimal, fail % as 0 when zero.
func FormatValue(q catalog.Query, v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return Missing
	case q.Name == catalog.ResultsFailPercent.Name && v == 0:
		return "0"
	case q.Name == catalog.ResultsFailPercent.Name:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

func (t *Table) header() []string {
	h := []string{"server", "scenario"}
	for _, c := range t.Columns {
		h = append(h, c.Title)
	}
	return h
}

func (t *Table) cells(r Row) []string {
	c := []string{r.Server, r.Scenario}
	for _, col := range t.Columns {
		c = append(c, FormatValue(col, r.Value(col)))
	}
	return c
}

// WriteText prints an aligned table for a terminal.
func (t *Table) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(t.header(), "\t")+"\t")
	for _, r := range t.Rows {
		fmt.Fprintln(tw, strings.Join(t.cells(r), "\t")+"\t")
	}
	return tw.Flush()
}

// WriteMarkdown prints the table as GitHub-flavoured Markdown, for a pull request.
func (t *Table) WriteMarkdown(w io.Writer) error {
	h := t.header()
	var b strings.Builder
	fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(h, " | "), strings.Repeat("---|", len(h)))
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "| %s |\n", strings.Join(t.cells(r), " | "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonRow has no NaN: JSON cannot carry it, so absent cells are null.
type jsonRow struct {
	Server   string              `json:"server"`
	Scenario string              `json:"scenario"`
	Values   map[string]*float64 `json:"values"`
}

// WriteJSON writes the table with absent cells as null.
func (t *Table) WriteJSON(w io.Writer) error {
	out := struct {
		TestID  string    `json:"testid"`
		Start   string    `json:"start"`
		End     string    `json:"end"`
		Columns []string  `json:"columns"`
		Rows    []jsonRow `json:"rows"`
	}{TestID: t.TestID, Start: t.Start.UTC().Format("2006-01-02T15:04:05Z"), End: t.End.UTC().Format("2006-01-02T15:04:05Z")}
	for _, c := range t.Columns {
		out.Columns = append(out.Columns, c.Name)
	}
	for _, r := range t.Rows {
		jr := jsonRow{Server: r.Server, Scenario: r.Scenario, Values: map[string]*float64{}}
		for _, c := range t.Columns {
			v := r.Value(c)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				jr.Values[c.Name] = nil
				continue
			}
			jr.Values[c.Name] = &v
		}
		out.Rows = append(out.Rows, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
