package runner

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/servers"
)

func names(list []servers.Server) string {
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return strings.Join(out, ",")
}

// Each trial has its own order, the same again for the same seed, and always every server once.
func TestTrialOrderIsASeededPermutationPerTrial(t *testing.T) {
	var list []servers.Server
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		list = append(list, servers.Server{Name: n})
	}
	seen := map[string]bool{}
	for trial := 1; trial <= 5; trial++ {
		o := trialOrder(list, 42, trial)
		if names(o) != names(trialOrder(list, 42, trial)) {
			t.Fatalf("trial %d: the same seed gave another order", trial)
		}
		sorted := slices.Clone(o)
		slices.SortFunc(sorted, func(x, y servers.Server) int { return strings.Compare(x.Name, y.Name) })
		if names(sorted) != names(list) {
			t.Fatalf("trial %d: %s is not a permutation of %s", trial, names(o), names(list))
		}
		seen[names(o)] = true
	}
	if len(seen) < 4 {
		t.Errorf("5 trials gave only %d distinct orders: drift would favour the same servers", len(seen))
	}
	if names(list) != "a,b,c,d,e,f" {
		t.Errorf("trialOrder changed its input: %s", names(list))
	}
}

func TestPositionLabelsTrialsOnlyWhenSeveral(t *testing.T) {
	if got := (position{Trial: 1, Trials: 1, Index: 2, Count: 7}).String(); got != "[2/7]" {
		t.Errorf("one trial: %s", got)
	}
	if got := (position{Trial: 2, Trials: 3, Index: 2, Count: 7}).String(); got != "[t2/3 2/7]" {
		t.Errorf("trials: %s", got)
	}
}

func TestSweepLimitNamesWhatStoppedIt(t *testing.T) {
	steps := func(rates ...int) SweepResult {
		r := SweepResult{Server: "p"}
		for i, rate := range rates {
			r.Steps = append(r.Steps, SweepStep{Rate: rate, OK: i < len(rates)-1})
		}
		r.Capacity = rates[len(rates)-2]
		return r
	}
	r := steps(100, 200, 400)
	judgeLimit(&r, 800, 25600)
	if r.Limit != "proxy" {
		t.Errorf("broke at 400 where direct held to 800: limit %q", r.Limit)
	}
	r = steps(100, 200, 400, 800)
	judgeLimit(&r, 800, 25600)
	if r.Limit != "harness" || !strings.Contains(r.Note, "≥ 400") {
		t.Errorf("broke only where direct did: limit %q, note %q", r.Limit, r.Note)
	}
	r = SweepResult{Steps: []SweepStep{{Rate: 100, OK: true}}, Capacity: 100}
	judgeLimit(&r, 0, 100)
	if r.Limit != "max rate" {
		t.Errorf("never broke: limit %q", r.Limit)
	}
}

func TestSweepDefaultsShortenWithQuick(t *testing.T) {
	var c SweepConfig
	c.applyDefaults(true, 0.1)
	if c.StartRate != 100 || c.Factor != 2 || c.Step != 2*time.Second || c.Bisections != 3 || c.TTFTMargin != 50*time.Millisecond {
		t.Errorf("quick defaults: %+v", c)
	}
	c = SweepConfig{}
	c.applyDefaults(false, 0.1)
	if c.Step != 15*time.Second {
		t.Errorf("full step: %s", c.Step)
	}
}
