package cputime

import (
	"math"
	"testing"
	"time"
)

func TestSplitAdvance(t *testing.T) {
	var s Split
	// Scaled to the sampled proportion, adding up to the exact total.
	s = s.Advance(1000, 300, 100)
	if s != (Split{User: 750, System: 250}) {
		t.Fatalf("first split %+v", s)
	}
	// The samples now say all user: system must not go down.
	s = s.Advance(1100, 500, 0)
	if s != (Split{User: 850, System: 250}) {
		t.Errorf("after an all-user sample %+v", s)
	}
	// All system: user must not go down.
	s = s.Advance(1200, 0, 500)
	if s != (Split{User: 850, System: 350}) {
		t.Errorf("after an all-system sample %+v", s)
	}
	// A total that did not grow changes nothing.
	if again := s.Advance(1200, 1, 1); again != s {
		t.Errorf("same total moved the split to %+v", again)
	}
	// No samples at all: user time, as in the kernel.
	if z := (Split{}).Advance(10, 0, 0); z != (Split{User: 10}) {
		t.Errorf("no samples: %+v", z)
	}
	// No overflow near the top of the range.
	big := time.Duration(math.MaxInt64 - 1)
	if b := (Split{}).Advance(big, big/2, big/2); b.User+b.System != big {
		t.Errorf("large values: %+v", b)
	}
}
