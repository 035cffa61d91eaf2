package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/report"
	"github.com/ssebench/ssebench/internal/results"
)

// WriteOutcome prints the results table from PromQL with the load generator's own figures
// beside it, lists skipped servers, and writes results.json and results.md next to the report.
func WriteOutcome(w io.Writer, out *Outcome, cfg Config) error {
	fmt.Fprintf(w, "\nssebench results — testid %s (%s → %s)\n", out.TestID, out.Start.Format("15:04:05"), out.End.Format("15:04:05"))
	if out.Interrupted {
		fmt.Fprintln(w, "interrupted: the table shows what was measured until then")
	}
	if err := results.WriteFindings(w, out.Findings, false); err != nil {
		return err
	}
	if out.Duet != nil {
		if err := WriteDuet(w, out.Duet); err != nil {
			return err
		}
	}
	if out.Table != nil && len(out.Table.Rows) > 0 {
		fmt.Fprintln(w, "\nFrom Prometheus (the query catalog's PromQL):")
		if err := out.Table.WriteText(w); err != nil {
			return err
		}
	} else if len(out.Measured) > 0 {
		fmt.Fprintln(w, "\nPrometheus returned no results for this run.")
	}
	for _, t := range out.Tables {
		st, _ := catalog.ScenarioTableOf(t.Scenario)
		fmt.Fprintf(w, "\n%s:\n", st.Title)
		if err := t.WriteText(w); err != nil {
			return err
		}
	}
	if out.Sweep != nil {
		writeSweep(w, out.Sweep)
	}
	if len(out.Measured) > 0 {
		fmt.Fprintln(w, "\nFrom the load generator (in-process, exact; the cross-check of the table above):")
		writeLoadTable(w, out)
	}
	for _, name := range out.External {
		fmt.Fprintf(w, "%s runs outside ssebench (kind: external): its latency is measured, its CPU and memory are not measured\n", name)
	}
	for _, s := range out.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Server, s.Reason)
	}
	if out.Dropped > 0 {
		fmt.Fprintf(w, "\nremote write dropped %d samples: Prometheus' figures are incomplete\n", out.Dropped)
	}
	return writeFiles(w, out)
}

func writeLoadTable(w io.Writer, out *Outcome) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "trial\tserver\tscenario\treq/s\tavg ms\tp95 ms\tmax ms\tfail %\trequests\t")
	for _, m := range out.Measured {
		f := figuresOf(m.Summary)
		cells := []string{fmt.Sprint(m.Trial), m.Server, m.Scenario,
			num(f.ReqPerSec), num(f.AvgMs), num(f.P95Ms), num(f.MaxMs),
			results.FormatValue(catalog.ResultsFailPercent, f.FailPercent), fmt.Sprint(f.Requests)}
		if m.Error != "" {
			cells = append(cells, "error: "+m.Error)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
}

func num(v float64) string {
	if math.IsNaN(v) {
		return results.Missing
	}
	return fmt.Sprintf("%.1f", v)
}

// writeFiles writes report/<testid>/results.json (every table) and, when no HTML report was
// made, results.md, through the report's one writer of that folder.
func writeFiles(w io.Writer, out *Outcome) error {
	type jsonOut struct {
		*Outcome
		Table      json.RawMessage            `json:"results"`
		Efficiency json.RawMessage            `json:"efficiency"` // the cost table again, where earlier readers find it
		Tables     map[string]json.RawMessage `json:"scenario_tables"`
		Curve      json.RawMessage            `json:"sweep_curve"`
	}
	tableJSON, err := tableOrNull(out.Table)
	if err != nil {
		return err
	}
	effJSON, err := tableOrNull(out.Efficiency())
	if err != nil {
		return err
	}
	tables := map[string]json.RawMessage{}
	for _, t := range out.Tables {
		if tables[t.Scenario], err = tableOrNull(t); err != nil {
			return err
		}
	}
	var curve *results.Table
	if out.Sweep != nil {
		curve = out.Sweep.Curve
	}
	curveJSON, err := tableOrNull(curve)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(jsonOut{Outcome: out, Table: tableJSON, Efficiency: effJSON, Tables: tables, Curve: curveJSON}, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{report.FileJSON: append(b, '\n')}
	if out.Report == "" && (out.Table != nil || out.Duet != nil) {
		// The same results.md as the report's, whether or not a report was made.
		var md bytes.Buffer
		if err := report.WriteMarkdown(&md, &report.Data{TestID: out.TestID, Start: out.Start, End: out.End,
			Table: out.Table, Tables: out.Tables, Duet: duetReport(out.Duet), Sweep: sweepReport(out.Sweep), Findings: out.Findings}); err != nil {
			return err
		}
		files[report.FileMarkdown] = md.Bytes()
	}
	dir, err := report.WriteFiles(filepath.Dir(out.ReportDir), out.TestID, files)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nresults JSON: %s\n", filepath.Join(dir, report.FileJSON))
	if out.Report != "" || files[report.FileMarkdown] != nil {
		fmt.Fprintf(w, "results Markdown: %s\n", filepath.Join(dir, report.FileMarkdown))
	}
	if out.Report != "" {
		fmt.Fprintf(w, "report: %s\n", out.Report)
	}
	return nil
}

func tableOrNull(t *results.Table) (json.RawMessage, error) {
	if t == nil {
		return json.RawMessage("null"), nil
	}
	var b strings.Builder
	if err := t.WriteJSON(&b); err != nil {
		return nil, err
	}
	return json.RawMessage(b.String()), nil
}

// writeSweep prints each server's capacity under the SLO and the curve from PromQL.
func writeSweep(w io.Writer, sw *SweepOutcome) {
	fmt.Fprintf(w, "\nCapacity under the SLO (sweep, testid %s; SLO: goodput ≥ %g %% of streams, 0 dropped iterations; second rule: 0 failures, p99 TTFT ≤ %.1f ms):\n",
		sw.TestID, 100*sw.GoodputTarget, sw.TTFTBoundMs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tcapacity/s\tlimit\tp99 TTFT rule/s\tsteps\tnote\t")
	for _, r := range sw.Results {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%s\t\n", r.Server, r.Capacity, r.Limit, r.CapacityTTFT, len(r.Steps), r.Note)
	}
	tw.Flush()
	if sw.Curve != nil && len(sw.Curve.Rows) > 0 {
		fmt.Fprintln(w, "\nThe latency–throughput curve (every step, from Prometheus):")
		sortCurve(sw.Curve)
		_ = sw.Curve.WriteText(w)
	}
}

// sortCurve orders the curve by server (as the sweep ran them), then by offered rate, and
// drops the ranks: steps of one server are not contenders.
func sortCurve(t *results.Table) {
	rate := func(r results.Row) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.Scenario, catalog.SweepScenarioPrefix))
		return n
	}
	sort.SliceStable(t.Rows, func(i, j int) bool {
		a, b := t.Rows[i], t.Rows[j]
		if a.IsReference() != b.IsReference() {
			return a.IsReference()
		}
		if a.Server != b.Server {
			return a.Server < b.Server
		}
		return rate(a) < rate(b)
	})
	for i := range t.Rows {
		t.Rows[i].Rank, t.Rows[i].Tied = 0, false
	}
}
