package run

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
)

func TestValidateID(t *testing.T) {
	for _, ok := range []string{"20261202-120000", "nightly.main_42", "a"} {
		if err := ValidateID(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", "a b", `a"b`, "a/b", "ä", strings.Repeat("x", 101)} {
		if err := ValidateID(bad); err == nil || !strings.Contains(err.Error(), "run id") {
			t.Errorf("%q: want an error naming the run id, got %v", bad, err)
		}
	}
}

func TestTrialTestIDRoundTrip(t *testing.T) {
	if got := TrialTestID("r1", 1, 1); got != "r1" {
		t.Errorf("one trial keeps the plain id, got %q", got)
	}
	for trial := 1; trial <= 12; trial++ {
		tid := TrialTestID("20261202-120000", trial, 12)
		id, n := SplitTestID(tid)
		if id != "20261202-120000" || n != trial {
			t.Errorf("SplitTestID(%q) = %q, %d", tid, id, n)
		}
	}
	for _, plain := range []string{"r1", "nightly-t", "a-tx", "-t3"} {
		if id, n := SplitTestID(plain); id != plain || n != 0 {
			t.Errorf("SplitTestID(%q) = %q, %d: want the plain id, trial 0", plain, id, n)
		}
	}
}

func TestTestIDPatternMatchesTheRunAndItsTrialsOnly(t *testing.T) {
	re := regexp.MustCompile("^(?:" + TestIDPattern("run.1") + ")$")
	for _, yes := range []string{"run.1", "run.1-t1", "run.1-t12"} {
		if !re.MatchString(yes) {
			t.Errorf("%q should match", yes)
		}
	}
	for _, no := range []string{"runx1", "run.1-t", "run.10", "run.1-t1x", "xrun.1", SweepTestID("run.1")} {
		if re.MatchString(no) {
			t.Errorf("%q should not match", no)
		}
	}
}

func TestWindowVarsAddSlack(t *testing.T) {
	w := Window{Start: time.Unix(100, 0), End: time.Unix(160, 0)}
	if v := w.Vars("x"); v.TestID != "x" || v.Range != 62*time.Second {
		t.Errorf("vars %+v", v)
	}
	if err := (Window{Start: w.End, End: w.Start}).Validate(); err == nil {
		t.Error("an inverted window must be an error")
	}
}

// The Run dashboard's run variable strips a testid to its run id with the catalog's regex;
// it must agree with SplitTestID on every testid a run makes.
func TestDashboardRunRegexAgreesWithSplitTestID(t *testing.T) {
	re := regexp.MustCompile(strings.Trim(catalog.RunOfTestIDRegex, "/"))
	for _, tid := range []string{"20261202-120000", TrialTestID("20261202-120000", 3, 5), TrialTestID("a-t2", 1, 2), SweepTestID("r1"), "x-t"} {
		id, _ := SplitTestID(tid)
		if m := re.FindStringSubmatch(tid); m == nil || m[1] != id {
			t.Errorf("%q: the dashboard's regex gives %v, SplitTestID %q", tid, m, id)
		}
	}
}
