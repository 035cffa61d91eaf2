// Package run is a benchmark run's identity — its id, its trials, its time window — and
// the one Querier that evaluates catalog queries for it against Prometheus. results,
// report, compare and the runner all reach Prometheus through it.
package run

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
)

// Label names every load series carries (k6's tags and ssebench's own).
const (
	LabelTestID   = "testid"
	LabelServer   = "server"
	LabelScenario = "scenario"
)

// rangeSlack widens a run's window in queries: the first push lands a moment after the
// window starts and the stale markers a moment after it ends.
const rangeSlack = 2 * time.Second

// trialSep joins a run id and a trial number into the testid of that trial.
const trialSep = "-t"

// validID is what a run id may hold: it names a report folder and sits in PromQL matchers.
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// ValidateID says what is wrong with a run id, before anything runs.
func ValidateID(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("run id %q: want 1–100 characters of letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return nil
}

// NewID names a run by its start time: sortable, readable, unique per second.
func NewID(t time.Time) string { return t.UTC().Format("20060102-150405") }

// TrialTestID is the testid of one trial (1-based) of a run of trials: the run id itself
// when there is one trial, so that single-trial runs keep their plain name.
func TrialTestID(id string, trial, trials int) string {
	if trials <= 1 {
		return id
	}
	return id + trialSep + strconv.Itoa(trial)
}

// SweepTestID is the testid a run's sweep pushes under: beside the trials, not one of them
// (TestIDPattern does not match it, so results and compare never mix steps into trials).
func SweepTestID(id string) string { return id + "-sweep" }

// DuetTestID is the testid the side-by-side procedure pushes under, beside the trials as
// the sweep's is.
func DuetTestID(id string) string { return id + "-duet" }

// SplitTestID is TrialTestID's inverse: the run id and trial number of a testid
// (trial 0 for a plain single-trial testid).
func SplitTestID(testid string) (id string, trial int) {
	i := strings.LastIndex(testid, trialSep)
	if i <= 0 {
		return testid, 0
	}
	n, err := strconv.Atoi(testid[i+len(trialSep):])
	if err != nil || n <= 0 {
		return testid, 0
	}
	return testid[:i], n
}

// TestIDPattern is a PromQL regex matching every testid of a run: the plain id and its
// trials. The suffix is the catalog's, which the Run dashboard's across-trials queries use.
func TestIDPattern(id string) string {
	return regexp.QuoteMeta(id) + `(` + catalog.TrialSuffixPattern + `)?`
}

// Window is the time span one testid's load ran in.
type Window struct {
	Start, End time.Time
}

// Validate reports an empty or inverted window.
func (w Window) Validate() error {
	if !w.End.After(w.Start) {
		return fmt.Errorf("run window end %s is not after start %s", w.End.Format(time.RFC3339), w.Start.Format(time.RFC3339))
	}
	return nil
}

// Vars are the catalog variables of one testid over its window: $testid and $__range.
func (w Window) Vars(testid string) catalog.Vars {
	return catalog.Vars{TestID: testid, Range: w.End.Sub(w.Start) + rangeSlack}
}

// Trial is one pass over every selected server × scenario, under its own testid.
type Trial struct {
	Number int    `json:"trial"` // 1-based
	TestID string `json:"testid"`
	Window
	Order []string `json:"order"` // servers in the order they ran
}
