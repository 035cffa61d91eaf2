// Command duet says whether ssebench's side-by-side verdict repeats: it reads the
// results.json of several side-by-side runs (`ssebench run --scenarios duet`), prints each
// server's CPU ratio with its 95 % interval in every run, and for every pair of servers that
// no run calls tied, whether all runs put them in the same order. `make bench-duet` runs the
// side-by-side procedure three times in a row and then this.
package main

import (
	"encoding/json"

	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/internal/duet"
)

type resultsFile struct {
	Duet *struct {
		TestID  string       `json:"testid"`
		Rounds  []duet.Round `json:"rounds"`
		Stopped string       `json:"stopped"`
		Elapsed int64        `json:"elapsed_ns"`
		Verdict duet.Verdict `json:"verdict"`
	} `json:"duet"`
}

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench/duet report/<testid>/results.json … (two or more side-by-side runs)")
	}
	flag.Parse()
	if flag.NArg() < 2 {
		flag.Usage()
		os.Exit(2)
	}
	runs, err := load(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "duet:", err)
		os.Exit(1)
	}
	if !report(os.Stdout, runs) {
		os.Exit(1)
	}
}

// run is one side-by-side run as its results.json tells it.
type run struct {
	testid, stopped string
	seconds         float64
	rounds          []duet.Round
	verdict         duet.Verdict
}

func load(paths []string) ([]run, error) {
	var out []run
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var f resultsFile
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if f.Duet == nil || len(f.Duet.Verdict.Rows) == 0 {
			return nil, fmt.Errorf("%s: no side-by-side verdict (was it run with --scenarios duet?)", p)
		}
		out = append(out, run{testid: f.Duet.TestID, stopped: f.Duet.Stopped,
			seconds: float64(f.Duet.Elapsed) / 1e9, rounds: f.Duet.Rounds, verdict: f.Duet.Verdict})
	}
	return out, nil
}

// report prints the table and the order check; it returns false when an order flipped.
func report(w io.Writer, runs []run) bool {
	for i, r := range runs {
		worst, who := r.verdict.Precision()
		fmt.Fprintf(w, "run %d: %s — %d rounds in %.0f s, %s; widest CPU interval ±%.1f %% (%s); %s\n",
			i+1, r.testid, len(r.rounds), r.seconds, r.stopped, 100*worst, who, aaLine(r.verdict))
	}
	servers := serverOrder(runs[0].verdict)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"server"}
	for i := range runs {
		head = append(head, fmt.Sprintf("run %d cpu ×ref", i+1))
	}
	fmt.Fprintln(tw, "\n"+strings.Join(head, "\t")+"\t")
	for _, s := range servers {
		cells := []string{s}
		for _, r := range runs {
			row, ok := r.verdict.Row(s)
			if !ok {
				cells = append(cells, duet.Missing)
				continue
			}
			cells = append(cells, duet.FormatRatio(row.CPU, row.Reference))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
	return orderHeld(w, runs, servers)
}

// orderHeld checks every pair that every run separates (paired interval excluding 1):
// all runs must order it the same way.
func orderHeld(w io.Writer, runs []run, servers []string) bool {
	separated, flipped := 0, 0
	for i, a := range servers {
		for _, b := range servers[i+1:] {
			signs := map[bool]int{}
			tiedSomewhere := false
			for _, r := range runs {
				pair := duet.Pair(r.rounds, a, b)
				if !duet.Significant(pair) {
					tiedSomewhere = true
					break
				}
				signs[pair.Point > 1]++
			}
			if tiedSomewhere {
				continue
			}
			separated++
			if len(signs) > 1 {
				flipped++
				fmt.Fprintf(w, "ORDER FLIPPED: %s vs %s\n", a, b)
			}
		}
	}
	fmt.Fprintf(w, "\n%d pairs separated in all %d runs; %d of them in the same order in every run", separated, len(runs), separated-flipped)
	if flipped > 0 {
		fmt.Fprintf(w, "; %d flipped\n", flipped)
		return false
	}
	fmt.Fprintln(w)
	return true
}

func aaLine(v duet.Verdict) string {
	if v.AA == "" {
		return "no A/A"
	}
	row, ok := v.Row(v.AA)
	if !ok {
		return "A/A missing"
	}
	verdict := "contains 1"
	if v.Biased {
		verdict = "EXCLUDES 1: biased"
	}
	return fmt.Sprintf("A/A %s (%s)", duet.FormatRatio(row.CPU, false), verdict)
}

// serverOrder is the first run's order.
func serverOrder(v duet.Verdict) []string {
	var out []string
	for _, r := range v.Rows {
		if !slices.Contains(out, r.Server) {
			out = append(out, r.Server)
		}
	}
	return out
}
