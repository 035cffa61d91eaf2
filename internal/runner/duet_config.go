package runner

import (
	"fmt"
	"slices"
	"time"

	"github.com/ssebench/ssebench/internal/servers"
)

// DuetName is the pseudo-scenario of the side-by-side procedure: every server loaded at once
// in rounds, each judged by its ratio to a reference server in the same round.
const DuetName = "duet"

// AASuffix names the reference's second instance, the A/A control.
const AASuffix = "-aa"

// DuetConfig shapes the side-by-side procedure; zero values pick the defaults on each field.
type DuetConfig struct {
	Rate      int           // streams/s offered to each server; default DefaultDuetRate
	Round     time.Duration // one round's schedule; default DefaultDuetRound (× the quick factor, at least DuetQuickRoundFloor)
	WarmUp    time.Duration // one unrecorded round of this length first; default 2 s
	Reference string        // the server every ratio divides by; default the first selected server
	NoAA      bool          // skip the A/A control (a second instance of the reference)
	Precision float64       // stop once every CPU ratio's relative half width is at most this; default DefaultDuetPrecision
	Budget    time.Duration // …or once this much time of rounds is spent; default DefaultDuetBudget (× the quick factor, at least DuetQuickBudgetFloor)
	MinRounds int           // never stop on precision before this many rounds; default 10 (stopping as soon as an interval looks narrow makes it too narrow)
	MaxRounds int           // a bound on the loop whatever the budget; default 1000
	// Workload is a scenario of the scenario file whose arrival process and stream shape the
	// rounds take instead of evenly spaced arrivals of the stub's default stream (e.g.
	// realistic: Poisson arrivals, lengths drawn from a lognormal); its rate stays Rate.
	Workload string
}

// The defaults of DuetConfig that ssebench run's flags show.
const (
	DefaultDuetRate      = 50
	DefaultDuetRound     = 10 * time.Second
	DefaultDuetPrecision = 0.01
	DefaultDuetBudget    = 5 * time.Minute
	DuetQuickRoundFloor  = 2 * time.Second  // --quick scales the default round, never below this
	DuetQuickBudgetFloor = 30 * time.Second // --quick scales the default budget, never below this
)

func (c *DuetConfig) applyDefaults(quick bool, factor float64) {
	if c.Rate <= 0 {
		c.Rate = DefaultDuetRate
	}
	if c.Round <= 0 {
		c.Round = quickDefault(DefaultDuetRound, quick, factor, DuetQuickRoundFloor)
	}
	if c.WarmUp <= 0 {
		c.WarmUp = 2 * time.Second
	}
	if c.Precision <= 0 {
		c.Precision = DefaultDuetPrecision
	}
	if c.Budget <= 0 {
		c.Budget = quickDefault(DefaultDuetBudget, quick, factor, DuetQuickBudgetFloor)
	}
	if c.MinRounds <= 0 {
		c.MinRounds = 10
	}
	if c.MaxRounds <= 0 {
		c.MaxRounds = 1000
	}
}

// quickDefault is a default duration, scaled by the quick factor under --quick but never
// below floor: shorter would measure nothing.
func quickDefault(d time.Duration, quick bool, factor float64, floor time.Duration) time.Duration {
	if !quick {
		return d
	}
	return max(time.Duration(float64(d)*factor), floor)
}

// Validate refuses settings no duet can run with, naming the flag.
func (c DuetConfig) Validate() error {
	switch {
	case c.Rate < 0 || c.Rate > 5000:
		return fmt.Errorf("--duet-rate %d: want 1 to 5000 streams/s per server", c.Rate)
	case c.Round < 0 || (c.Round > 0 && c.Round < time.Second):
		return fmt.Errorf("--duet-round %s: want at least 1s", c.Round)
	case c.Precision < 0 || c.Precision >= 1:
		return fmt.Errorf("--duet-precision %g: want a share in (0, 1), e.g. 0.01 for ±1 %%", c.Precision)
	case c.Budget < 0:
		return fmt.Errorf("--duet-budget %s: want a positive duration", c.Budget)
	}
	return nil
}

// duetReference checks that a duet has something to compare and returns its reference:
// the one asked for, or the first selected server that can run.
func duetReference(list []servers.Server, cfg DuetConfig) (string, error) {
	var runnable []string
	for _, s := range list {
		if s.Unavailable == "" {
			runnable = append(runnable, s.Name)
		}
	}
	if len(runnable) < 2 {
		return "", fmt.Errorf("side by side (--scenarios %s) compares servers with each other: it needs at least two that can run, got %d (%v); "+
			"for one server, use --scenarios efficiency --trials 3", DuetName, len(runnable), runnable)
	}
	if cfg.Reference == "" {
		return runnable[0], nil
	}
	if !slices.Contains(runnable, cfg.Reference) {
		return "", fmt.Errorf("--duet-reference %q is not among the selected servers that can run (%v)", cfg.Reference, runnable)
	}
	return cfg.Reference, nil
}

func duetNote(duet bool) string {
	if duet {
		return ", side by side first"
	}
	return ""
}
