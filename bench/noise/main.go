// Command noise measures how repeatable ssebench's own verdict is: it reads the results.json
// of a run of several trials and prints, per metric, the coefficient of variation across
// trials for every server, and whether each trial ranked the servers as the mean does.
// `make bench-noise` runs the trials and then this.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/internal/stats"
)

type interval struct {
	N      int       `json:"n"`
	Trials []float64 `json:"trials"`
}

type row struct {
	Server    string              `json:"server"`
	Scenario  string              `json:"scenario"`
	Reference bool                `json:"reference"`
	Rank      int                 `json:"rank"`
	Tied      bool                `json:"tied"`
	Intervals map[string]interval `json:"intervals"`
}

type table struct {
	Trials []string `json:"trials"`
	Rows   []row    `json:"rows"`
}

type resultsFile struct {
	Results    *table `json:"results"`
	Efficiency *table `json:"efficiency"`
}

// metric is one figure the noise is judged on; better says which way ranks go.
type metric struct {
	table, column, title, better string
}

var metrics = []metric{
	{"results", "results.req_per_second", "req/s", "higher"},
	{"results", "results.p95_ms", "p95 ms", "lower"},
	{"results", "results.cpu_percent", "cpu %", "lower"},
	{"efficiency", "efficiency.cpu_us_per_stream", "cpu µs/stream", "lower"},
	{"efficiency", "efficiency.added_ttft_p50_ms", "+ttft p50 ms", "lower"},
}

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench/noise report/<testid>/results.json")
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "noise:", err)
		os.Exit(1)
	}
}

func run(path string, w io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f resultsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if f.Results == nil || len(f.Results.Trials) < 2 {
		return fmt.Errorf("%s: want a run of 2 or more trials (ssebench run --trials N)", path)
	}
	fmt.Fprintf(w, "noise of %s: %d trials\n\n", path, len(f.Results.Trials))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tmetric\tserver\tmean\tCV %\tCV % of ÷ direct\ttrials\t")
	var verdicts []string
	for _, m := range metrics {
		t := f.Results
		if m.table == "efficiency" {
			t = f.Efficiency
		}
		if t == nil {
			continue
		}
		for _, scenario := range scenarios(t) {
			for _, r := range t.Rows {
				iv, ok := r.Intervals[m.column]
				if r.Scenario != scenario || !ok || len(iv.Trials) < 2 {
					continue
				}
				mean, _ := stats.MeanSD(iv.Trials)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.1f\t%s\t%d\t\n", scenario, m.title, r.Server, mean, 100*stats.CV(iv.Trials),
					relativeCV(t, r, m.column, iv.Trials), len(iv.Trials))
			}
			verdicts = append(verdicts, rankingHeld(t, scenario, m))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, v := range verdicts {
		if v != "" {
			fmt.Fprintln(w, v)
		}
	}
	return nil
}

// relativeCV is the CV across trials of r's figure divided by the same trial's direct
// reference: drift of the whole machine moves both and cancels in the ratio, so where it is
// lower than the plain CV, comparing runs by the ratio would see less of the machine. "-"
// for the reference itself, for a figure direct does not have (a delta over direct) or
// when the trials do not pair up.
func relativeCV(t *table, r row, column string, trials []float64) string {
	if r.Reference {
		return "-"
	}
	for _, ref := range t.Rows {
		refIV, ok := ref.Intervals[column]
		if !ref.Reference || ref.Scenario != r.Scenario || !ok || len(refIV.Trials) != len(trials) {
			continue
		}
		ratios := make([]float64, len(refIV.Trials))
		for i, v := range trials {
			if refIV.Trials[i] <= 0 {
				return "-"
			}
			ratios[i] = v / refIV.Trials[i]
		}
		return fmt.Sprintf("%.1f", 100*stats.CV(ratios))
	}
	return "-"
}

func scenarios(t *table) []string {
	var out []string
	for _, r := range t.Rows {
		if !slices.Contains(out, r.Scenario) {
			out = append(out, r.Scenario)
		}
	}
	return out
}

// rankingHeld compares each trial's order of the ranked servers with the order of the means.
func rankingHeld(t *table, scenario string, m metric) string {
	type srv struct {
		name   string
		trials []float64
		mean   float64
	}
	var list []srv
	for _, r := range t.Rows {
		iv, ok := r.Intervals[m.column]
		if r.Scenario != scenario || r.Reference || !ok || len(iv.Trials) < 2 {
			continue
		}
		mean, _ := stats.MeanSD(iv.Trials)
		list = append(list, srv{r.Server, iv.Trials, mean})
	}
	if len(list) < 2 {
		return ""
	}
	order := func(value func(srv) float64) string {
		s := slices.Clone(list)
		sort.SliceStable(s, func(i, j int) bool {
			if m.better == "lower" {
				return value(s[i]) < value(s[j])
			}
			return value(s[i]) > value(s[j])
		})
		var names []string
		for _, x := range s {
			names = append(names, x.name)
		}
		return strings.Join(names, " > ")
	}
	want := order(func(s srv) float64 { return s.mean })
	held, trials := 0, len(list[0].trials)
	for i := 0; i < trials; i++ {
		if order(func(s srv) float64 {
			if i < len(s.trials) {
				return s.trials[i]
			}
			return s.mean
		}) == want {
			held++
		}
	}
	return fmt.Sprintf("%s %s: ranking by mean %s held in %d of %d trials", scenario, m.title, want, held, trials)
}
