package results

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/stats"
)

// Missing is shown for a cell Prometheus had no value for (for example CPU and memory
// when no exporter ran).
const Missing = "—"

// Tie marks a rank shared with the row above it.
const Tie = "≈"

// FormatValue prints a cell the way the writeup does: one decimal, fail % as 0 when zero.
func FormatValue(q catalog.Query, v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return Missing
	case isFail(q) && v == 0:
		return "0"
	case isFail(q):
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

// isFail is every table's fail % column: each is named <table>.fail_percent.
func isFail(q catalog.Query) bool {
	return strings.HasSuffix(q.Name, "."+catalog.FailPercentName)
}

// FormatInterval prints a point with its half width, "5919.5 ±84.2", or the point alone
// when the interval is unknown.
func FormatInterval(q catalog.Query, iv stats.Interval) string {
	s := FormatValue(q, iv.Point)
	if h := iv.HalfWidth(); !math.IsNaN(h) && h > 0 && s != Missing {
		s += " ±" + FormatValue(q, h)
	}
	return s
}

// RankLabel is "ref" for the reference, "≈2" for a tie, "3" otherwise.
func (r Row) RankLabel() string {
	switch {
	case r.IsReference():
		return "ref"
	case r.Rank == 0:
		return ""
	case r.Tied:
		return fmt.Sprintf("%s%d", Tie, r.Rank)
	default:
		return fmt.Sprint(r.Rank)
	}
}

func (t *Table) header() []string {
	h := []string{"rank", "server", "scenario"}
	for _, c := range t.Columns {
		h = append(h, c.Title)
	}
	return h
}

func (t *Table) cells(r Row) []string {
	c := []string{r.RankLabel(), r.Server, r.Scenario}
	for _, col := range t.Columns {
		c = append(c, FormatInterval(col, r.Interval(col)))
	}
	return c
}

// WriteText prints an aligned table for a terminal, with how many trials it rests on.
func (t *Table) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(t.header(), "\t")+"\t")
	for _, r := range t.Rows {
		fmt.Fprintln(tw, strings.Join(t.cells(r), "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, t.TrialsNote())
	return err
}

// WriteMarkdown prints the table as GitHub-flavoured Markdown, for a pull request.
func (t *Table) WriteMarkdown(w io.Writer) error {
	h := t.header()
	var b strings.Builder
	fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(h, " | "), strings.Repeat("---|", len(h)))
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "| %s |\n", strings.Join(t.cells(r), " | "))
	}
	fmt.Fprintf(&b, "\n%s\n", t.TrialsNote())
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonRow has no NaN: JSON cannot carry it, so absent cells are null.
type jsonRow struct {
	Server    string                  `json:"server"`
	Scenario  string                  `json:"scenario"`
	Rank      int                     `json:"rank"`
	Tied      bool                    `json:"tied"`
	Reference bool                    `json:"reference"`
	Values    map[string]*float64     `json:"values"`
	Intervals map[string]jsonInterval `json:"intervals"`
}

type jsonInterval struct {
	Lo     *float64  `json:"lo"`
	Hi     *float64  `json:"hi"`
	N      int       `json:"n"`
	Method string    `json:"method"`
	Trials []float64 `json:"trials,omitempty"`
}

func finiteOrNil(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// WriteJSON writes the table with absent cells as null, per-trial values and interval bounds.
func (t *Table) WriteJSON(w io.Writer) error {
	out := struct {
		TestID  string    `json:"testid"`
		Trials  []string  `json:"trials"`
		Note    string    `json:"note"`
		Start   string    `json:"start"`
		End     string    `json:"end"`
		Columns []string  `json:"columns"`
		Rows    []jsonRow `json:"rows"`
	}{TestID: t.TestID, Trials: t.Trials, Note: t.TrialsNote(),
		Start: t.Start.UTC().Format("2006-01-02T15:04:05Z"), End: t.End.UTC().Format("2006-01-02T15:04:05Z")}
	for _, c := range t.Columns {
		out.Columns = append(out.Columns, c.Name)
	}
	for _, r := range t.Rows {
		jr := jsonRow{Server: r.Server, Scenario: r.Scenario, Rank: r.Rank, Tied: r.Tied, Reference: r.IsReference(),
			Values: map[string]*float64{}, Intervals: map[string]jsonInterval{}}
		for _, c := range t.Columns {
			jr.Values[c.Name] = finiteOrNil(r.Value(c))
			if iv, ok := r.Intervals[c.Name]; ok {
				jr.Intervals[c.Name] = jsonInterval{Lo: finiteOrNil(iv.Lo), Hi: finiteOrNil(iv.Hi), N: iv.N, Method: iv.Method, Trials: iv.Values}
			}
		}
		out.Rows = append(out.Rows, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
