package results

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/catalog"
)

func trialTable(testid string, rps map[string]float64) *Table {
	t := &Table{TestID: testid, Trials: []string{testid}, Columns: catalog.ResultsColumns}
	for server, v := range rps {
		t.Rows = append(t.Rows, Row{Server: server, Scenario: "stress", Values: map[string]float64{
			catalog.ResultsReqPerSecond.Name: v, catalog.ResultsFailPercent.Name: 0}})
	}
	t.Sort()
	return t
}

func TestMergeMeansOverTrialsAndIntervals(t *testing.T) {
	merged := Merge("r1", []*Table{
		trialTable("r1-t1", map[string]float64{"a": 100, "b": 200, Reference: 900}),
		trialTable("r1-t2", map[string]float64{"a": 110, "b": 210, Reference: 910}),
		trialTable("r1-t3", map[string]float64{"a": 90, "b": 190, Reference: 890}),
	})
	if got := strings.Join(merged.Trials, ","); got != "r1-t1,r1-t2,r1-t3" {
		t.Errorf("trials %s", got)
	}
	a, _ := merged.Find("a", "stress")
	iv := a.Interval(catalog.ResultsReqPerSecond)
	if a.Value(catalog.ResultsReqPerSecond) != 100 || iv.N != 3 || math.Abs(iv.Hi-124.84) > 0.01 {
		t.Errorf("a: %v %+v", a.Value(catalog.ResultsReqPerSecond), iv)
	}
	if merged.Rows[0].Server != Reference || merged.Rows[0].RankLabel() != "ref" {
		t.Errorf("the reference leads its scenario unranked: %+v", merged.Rows[0])
	}
	b, _ := merged.Find("b", "stress")
	if b.Rank != 1 || a.Rank != 2 || a.Tied {
		t.Errorf("ranks: b %d, a %d tied=%v", b.Rank, a.Rank, a.Tied)
	}
}

func TestOverlappingIntervalsAreTied(t *testing.T) {
	merged := Merge("r", []*Table{
		trialTable("r-t1", map[string]float64{"a": 100, "b": 104, "c": 300}),
		trialTable("r-t2", map[string]float64{"a": 110, "b": 98, "c": 310}),
		trialTable("r-t3", map[string]float64{"a": 95, "b": 101, "c": 305}),
	})
	if got := rankLabels(merged); got != "c:1 a:2 b:≈2" {
		t.Errorf("ranks %s, want c:1 a:2 b:≈2", got)
	}
	var text bytes.Buffer
	if err := merged.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "≈2") || !strings.Contains(text.String(), "3 trials") || !strings.Contains(text.String(), "±") {
		t.Errorf("text lacks the tie, the trial count or an interval:\n%s", text.String())
	}
}

func TestJSONCarriesPerTrialValuesAndBounds(t *testing.T) {
	merged := Merge("r", []*Table{
		trialTable("r-t1", map[string]float64{"a": 100}),
		trialTable("r-t2", map[string]float64{"a": 110}),
	})
	var b bytes.Buffer
	if err := merged.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Trials []string `json:"trials"`
		Rows   []struct {
			Intervals map[string]struct {
				Lo, Hi *float64
				N      int
				Trials []float64
			} `json:"intervals"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	iv := got.Rows[0].Intervals[catalog.ResultsReqPerSecond.Name]
	if len(got.Trials) != 2 || iv.N != 2 || len(iv.Trials) != 2 || iv.Lo == nil || *iv.Lo > 105 || *iv.Hi < 105 {
		t.Errorf("json: %s", b.String())
	}
}

// A chain of overlaps does not tie the last row with the first: each row is judged against
// the first row of its tie group.
func TestTiesDoNotChain(t *testing.T) {
	merged := Merge("r", []*Table{
		trialTable("r-t1", map[string]float64{"a": 300, "b": 250, "c": 200}),
		trialTable("r-t2", map[string]float64{"a": 310, "b": 270, "c": 210}),
		trialTable("r-t3", map[string]float64{"a": 290, "b": 230, "c": 190}),
	})
	// a [275, 325], b [200, 300], c [175, 225]: b overlaps a, c overlaps b but not a.
	if got := rankLabels(merged); got != "a:1 b:≈1 c:3" {
		t.Errorf("ranks %s, want a:1 b:≈1 c:3", got)
	}
}

func rankLabels(t *Table) string {
	var labels []string
	for _, r := range t.Rows {
		labels = append(labels, r.Server+":"+r.RankLabel())
	}
	return strings.Join(labels, " ")
}

// The one-trial note speaks of a ± only when a cell shows one: a seconds-long run (make
// bench-quick) has too few per-second samples for a within-run interval.
func TestOneTrialNoteMentionsPlusMinusOnlyWhenACellShowsOne(t *testing.T) {
	for _, tc := range []struct {
		name    string
		seconds int
		want    bool
	}{{"quick run, 6 per-second samples", 6, false}, {"60 per-second samples", 60, true}} {
		tb := &Table{TestID: "t1", Trials: []string{"t1"}, Columns: catalog.ResultsColumns, Rows: []Row{
			{Server: "go-http", Scenario: "stress", Values: map[string]float64{"results.req_per_second": 1000, "results.p95_ms": 20}},
		}}
		var perSecond []float64
		for i := range tc.seconds {
			perSecond = append(perSecond, 1000+float64(i%7)*10)
		}
		tb.addWithinRun(Samples{Key{"go-http", "stress"}: {"results.req_per_second": perSecond, "results.p95_ms": perSecond}})
		var text, md bytes.Buffer
		if err := tb.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := tb.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		note := tb.TrialsNote()
		table := strings.ReplaceAll(text.String()+md.String(), note, "")
		if got := strings.Contains(table, "±"); got != tc.want {
			t.Fatalf("%s: a cell shows ± = %v, want %v:\n%s", tc.name, got, tc.want, table)
		}
		if got := strings.Contains(note, "±"); got != tc.want {
			t.Errorf("%s: the note speaks of ± (%v) while a cell shows one = %v: %q", tc.name, got, tc.want, note)
		}
		if !strings.HasPrefix(note, "1 trial:") || !strings.Contains(note, "--trials 3") {
			t.Errorf("%s: note %q", tc.name, note)
		}
	}
}
