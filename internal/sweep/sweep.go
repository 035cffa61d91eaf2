// Package sweep is the capacity search of `ssebench run --scenarios sweep`: arrival rates
// stepped up geometrically until a step breaks the SLO, then bisection between the last good
// and the first bad rate, and the verdict on what stopped it. It has no I/O of its own: the
// caller measures each rate (internal/runner runs the load), this package decides which rate
// comes next and what the result is.
package sweep

import (
	"fmt"
	"math"
	"time"
)

// Config shapes the sweep; zero values pick the defaults on each field (ApplyDefaults).
type Config struct {
	StartRate  int           // first step's arrival rate (streams/s); default DefaultStartRate
	Factor     float64       // each step's rate is the previous one × Factor; default DefaultFactor
	MaxRate    int           // the sweep stops here even when the SLO still holds; default DefaultMaxRate
	Step       time.Duration // each step's duration, long enough for a stable p99; default DefaultStep (the caller scales it for --quick)
	Bisections int           // steps between the last good and the first bad rate; default DefaultBisections, negative for none
	TTFTMargin time.Duration // second rule: p99 TTFT ≤ direct's p99 TTFT at the first step + this; default DefaultTTFTMargin
	// GoodputTarget is the SLO: the share of a step's streams that must meet the per-stream
	// SLO (the load generator's goodput); default DefaultGoodputTarget.
	GoodputTarget float64
}

// The defaults of Config, which ssebench run's flags show too.
const (
	DefaultStartRate  = 100
	DefaultFactor     = 2.0
	DefaultMaxRate    = 25600
	DefaultStep       = 15 * time.Second
	DefaultBisections = 3
	DefaultTTFTMargin = 50 * time.Millisecond
	// DefaultGoodputTarget is vLLM's and AIPerf's usual goodput bar.
	DefaultGoodputTarget = 0.99
)

// ApplyDefaults fills the zero fields; step is the default step duration.
func (c *Config) ApplyDefaults(step time.Duration) {
	if c.StartRate <= 0 {
		c.StartRate = DefaultStartRate
	}
	if c.Factor <= 1 {
		c.Factor = DefaultFactor
	}
	if c.MaxRate <= 0 {
		c.MaxRate = DefaultMaxRate
	}
	if c.Step <= 0 {
		c.Step = step
	}
	if c.Bisections < 0 {
		c.Bisections = 0
	} else if c.Bisections == 0 {
		c.Bisections = DefaultBisections
	}
	if c.TTFTMargin <= 0 {
		c.TTFTMargin = DefaultTTFTMargin
	}
	if c.GoodputTarget <= 0 || c.GoodputTarget > 1 {
		c.GoodputTarget = DefaultGoodputTarget
	}
}

// Measurement is what one rate gave: the load generator's own figures.
type Measurement struct {
	Achieved float64 // requests per second
	TTFTP99  float64 // ms
	Failed   int64
	Dropped  int64   // iterations the arrival-rate executor could not start
	Goodput  float64 // share of the streams that met the per-stream SLO, 0..1; NaN: not measured
	Err      string  // the load run itself failed
}

// Step is one arrival rate of a sweep, judged against the SLO.
type Step struct {
	Rate     int      `json:"offered_rate"`
	Achieved float64  `json:"achieved_rate"`
	TTFTP99  float64  `json:"ttft_p99_ms"`
	Failed   int64    `json:"failed"`
	Dropped  int64    `json:"dropped_iterations"`
	Goodput  *float64 `json:"goodput,omitempty"` // share of streams that met the per-stream SLO; nil when not measured
	OK       bool     `json:"within_slo"`
	// WithinTTFT is the second rule's verdict: no failure, no dropped iteration, p99 TTFT
	// within the bound.
	WithinTTFT bool   `json:"within_ttft_p99"`
	Why        string `json:"why,omitempty"` // what broke the SLO
}

// Limits: what stopped a sweep.
const (
	LimitProxy   = "proxy"
	LimitHarness = "harness"  // the stub and the load generator, not the proxy
	LimitMaxRate = "max rate" // within the SLO up to the sweep's maximum
)

// Result is one server's sweep.
type Result struct {
	Server   string `json:"server"`
	Steps    []Step `json:"steps"`
	Capacity int    `json:"capacity_at_slo"` // the highest offered rate within the SLO; 0 when even the first step broke it
	// CapacityTTFT is the second rule's capacity: the highest rate within it below the
	// lowest that broke it, among the rates the search tried.
	CapacityTTFT int    `json:"capacity_ttft_p99"`
	Limit        string `json:"limit"` // LimitProxy, LimitHarness or LimitMaxRate
	Note         string `json:"note,omitempty"`
}

// Judge decides whether rate, as m measured it, is within the SLO: no dropped iteration and
// at least target of its streams meeting the per-stream SLO (goodput), or, without a goodput
// measurement, no failure. It judges the second rule too (WithinTTFT): no failure, no dropped
// iteration, p99 TTFT within bound (bound 0 judges failures only).
func Judge(rate int, m Measurement, bound time.Duration, target float64) Step {
	s := Step{Rate: rate, Achieved: m.Achieved, TTFTP99: m.TTFTP99, Failed: m.Failed, Dropped: m.Dropped}
	if !math.IsNaN(m.Goodput) {
		g := m.Goodput
		s.Goodput = &g
	}
	boundMs := float64(bound) / float64(time.Millisecond)
	var ttftWhy string
	switch {
	case m.Err != "":
		ttftWhy = "error: " + m.Err
	case s.Dropped > 0:
		ttftWhy = fmt.Sprintf("%d iterations dropped", s.Dropped)
	case s.Failed > 0:
		ttftWhy = fmt.Sprintf("%d failed", s.Failed)
	case bound > 0 && s.TTFTP99 > boundMs:
		ttftWhy = fmt.Sprintf("p99 TTFT %.1f ms over %.1f ms", s.TTFTP99, boundMs)
	}
	s.WithinTTFT = ttftWhy == ""
	switch {
	case m.Err != "" || s.Dropped > 0:
		s.Why = ttftWhy
	case math.IsNaN(m.Goodput):
		if s.Failed > 0 {
			s.Why = ttftWhy
		}
	case m.Goodput < target:
		s.Why = fmt.Sprintf("goodput %.2f %% under %.2f %%", 100*m.Goodput, 100*target)
	}
	s.OK = s.Why == ""
	if s.OK && !s.WithinTTFT {
		s.Why = "within the SLO; outside the second rule: " + ttftWhy
	}
	return s
}

// capacityTTFT is the highest rate of steps within the second rule below the lowest that
// broke it.
func capacityTTFT(steps []Step) int {
	firstBad := 0
	for _, s := range steps {
		if !s.WithinTTFT && (firstBad == 0 || s.Rate < firstBad) {
			firstBad = s.Rate
		}
	}
	best := 0
	for _, s := range steps {
		if s.WithinTTFT && (firstBad == 0 || s.Rate < firstBad) && s.Rate > best {
			best = s.Rate
		}
	}
	return best
}

// Search steps the rate up geometrically from cfg.StartRate until a step breaks the SLO or
// cfg.MaxRate is passed, then bisects cfg.Bisections times between the last good and the
// first bad rate. step measures and judges one rate; it returns false as its second value
// to stop the search (the run was interrupted). The result's Capacity is the last good rate.
func Search(cfg Config, server string, step func(rate int) (Step, bool)) Result {
	res := Result{Server: server}
	try := func(rate int) (Step, bool) {
		s, goOn := step(rate)
		if goOn {
			res.Steps = append(res.Steps, s)
		}
		return s, goOn
	}
	lastGood, firstBad := 0, 0
	for rate := cfg.StartRate; rate <= cfg.MaxRate; rate = int(math.Ceil(float64(rate) * cfg.Factor)) {
		s, goOn := try(rate)
		if !goOn {
			res.Capacity, res.CapacityTTFT = lastGood, capacityTTFT(res.Steps)
			return res
		}
		if !s.OK {
			firstBad = rate
			break
		}
		lastGood = rate
	}
	for i := 0; i < cfg.Bisections && firstBad > 0 && firstBad-lastGood > 1; i++ {
		mid := (lastGood + firstBad) / 2
		if lastGood == 0 {
			mid = firstBad / 2
		}
		if mid <= lastGood || mid >= firstBad || mid <= 0 {
			break
		}
		s, goOn := try(mid)
		if !goOn {
			break
		}
		if s.OK {
			lastGood = mid
		} else {
			firstBad = mid
		}
	}
	res.Capacity, res.CapacityTTFT = lastGood, capacityTTFT(res.Steps)
	return res
}

// FirstBad is the lowest rate of r that broke the SLO, 0 when none did.
func FirstBad(r Result) int {
	bad := 0
	for _, s := range r.Steps {
		if !s.OK && (bad == 0 || s.Rate < bad) {
			bad = s.Rate
		}
	}
	return bad
}

// JudgeLimit says what stopped a proxy's sweep: itself, or the harness when the proxy broke
// the SLO only at or beyond ceiling, the rate where direct did (the stub and the load
// generator saturate there, whatever the proxy does).
func JudgeLimit(r *Result, ceiling, maxRate int) {
	bad := FirstBad(*r)
	switch {
	case bad == 0:
		r.Limit, r.Note = LimitMaxRate, fmt.Sprintf("within the SLO up to the sweep's maximum %d/s", maxRate)
	case ceiling > 0 && bad >= ceiling:
		r.Limit, r.Note = LimitHarness, fmt.Sprintf("broke the SLO only at %d/s, where direct did too: capacity ≥ %d/s, the harness is the limit here", bad, r.Capacity)
	default:
		r.Limit = LimitProxy
	}
}
