package runner

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/sweep"
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

func TestSweepDefaultsShortenWithQuick(t *testing.T) {
	var c sweep.Config
	applySweepDefaults(&c, true, 0.1)
	if c.StartRate != 100 || c.Factor != 2 || c.Step != 2*time.Second || c.Bisections != 3 || c.TTFTMargin != 50*time.Millisecond {
		t.Errorf("quick defaults: %+v", c)
	}
	c = sweep.Config{}
	applySweepDefaults(&c, false, 0.1)
	if c.Step != 15*time.Second {
		t.Errorf("full step: %s", c.Step)
	}
}
