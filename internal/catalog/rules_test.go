package catalog

import (
	"fmt"
	"strings"
	"testing"
)

func TestEveryRuleExpressionIsACatalogQuery(t *testing.T) {
	for _, g := range RuleGroups() {
		var exprs []Query
		for _, r := range g.Recording {
			exprs = append(exprs, r.Query)
		}
		for _, a := range g.Alerts {
			exprs = append(exprs, a.Query)
		}
		for _, q := range exprs {
			got, err := Get(q.Name)
			if err != nil || got.Expr != q.Expr {
				t.Errorf("%s: rule expression is not the registered query (%v)", q.Name, err)
			}
			if err := Validate(q.Expr); err != nil {
				t.Errorf("%s: %v", q.Name, err)
			}
		}
	}
}

// The final of a live series reads that series' stale marker of the same evaluation, and
// baselines read finals of the same evaluation: rules must come after what they read.
func TestRecordingRulesComeAfterTheSeriesTheyRead(t *testing.T) {
	recorded := map[string]int{}
	rules := RuleGroups()[0].Recording
	for i, r := range rules {
		recorded[r.Record] = i
	}
	for i, r := range rules {
		for name, j := range recorded {
			if j >= i && name != r.Record && readsSeries(r.Query.Expr, name) {
				t.Errorf("%s (rule %d) reads %s, which is recorded later (rule %d)", r.Record, i, name, j)
			}
		}
	}
}

func readsSeries(expr, name string) bool {
	for _, follow := range []string{" ", "[", "{", ")"} {
		if strings.Contains(expr+" ", name+follow) {
			return true
		}
	}
	return false
}

func TestRecordedSeriesHaveNoTestIDExceptTheRunIndex(t *testing.T) {
	for _, r := range RuleGroups()[0].Recording {
		expr := r.Query.Expr
		switch {
		case r.Record == RunEndSeries:
			if !strings.HasPrefix(expr, "max by (testid, server, scenario)") {
				t.Errorf("the run index must keep testid: %s", expr)
			}
		case strings.Contains(expr, "testid") && !strings.HasPrefix(expr, "max by (server, scenario) ("):
			t.Errorf("%s may keep testid: %s", r.Record, expr)
		}
	}
}

func TestAlertExpressionsUseTheThresholds(t *testing.T) {
	want := map[string]string{
		"ThroughputRegression": fmt.Sprintf("< %g *", Thresholds.ThroughputBelow),
		"LatencyRegression":    fmt.Sprintf("> %g *", Thresholds.LatencyAbove),
		"CPURegression":        fmt.Sprintf("> %g *", Thresholds.CPUAbove),
		"MemoryRegression":     fmt.Sprintf("> %g", Thresholds.MemoryMinIncreaseBytes),
		"StreamBuffered":       fmt.Sprintf("> %g", Thresholds.FirstTokenShare),
		"NagleStall":           fmt.Sprintf("> %g", Thresholds.GapP99FloorSeconds),
	}
	seen := 0
	for _, g := range RuleGroups() {
		for _, a := range g.Alerts {
			if w, ok := want[a.Alert]; ok {
				seen++
				if !strings.Contains(a.Query.Expr, w) {
					t.Errorf("%s does not contain %q: %s", a.Alert, w, a.Query.Expr)
				}
			}
			if !strings.HasPrefix(a.DashboardPath, "/d/ssebench-run") {
				t.Errorf("%s links no Run dashboard: %s", a.Alert, a.DashboardPath)
			}
		}
	}
	if seen != len(want) {
		t.Fatalf("found %d of %d alerts", seen, len(want))
	}
}
