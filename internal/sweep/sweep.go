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
	TTFTMargin time.Duration // SLO: p99 TTFT ≤ direct's p99 TTFT at the first step + this; default DefaultTTFTMargin
}

// The defaults of Config, which ssebench run's flags show too.
const (
	DefaultStartRate  = 100
	DefaultFactor     = 2.0
	DefaultMaxRate    = 25600
	DefaultStep       = 15 * time.Second
	DefaultBisections = 3
	DefaultTTFTMargin = 50 * time.Millisecond
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
}

// Measurement is what one rate gave: the load generator's own figures.
type Measurement struct {
	Achieved float64 // requests per second
	TTFTP99  float64 // ms
	Failed   int64
	Dropped  int64  // iterations the arrival-rate executor could not start
	Err      string // the load run itself failed
}

// Step is one arrival rate of a sweep, judged against the SLO.
type Step struct {
	Rate     int     `json:"offered_rate"`
	Achieved float64 `json:"achieved_rate"`
	TTFTP99  float64 `json:"ttft_p99_ms"`
	Failed   int64   `json:"failed"`
	Dropped  int64   `json:"dropped_iterations"`
	OK       bool    `json:"within_slo"`
	Why      string  `json:"why,omitempty"` // what broke the SLO
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
	Limit    string `json:"limit"`           // LimitProxy, LimitHarness or LimitMaxRate
	Note     string `json:"note,omitempty"`
}

// Judge decides whether rate, as m measured it, is within the SLO: no failure, no dropped
// iteration, and a p99 TTFT within bound (bound 0 judges failures only).
func Judge(rate int, m Measurement, bound time.Duration) Step {
	s := Step{Rate: rate, OK: true, Achieved: m.Achieved, TTFTP99: m.TTFTP99, Failed: m.Failed, Dropped: m.Dropped}
	boundMs := float64(bound) / float64(time.Millisecond)
	switch {
	case m.Err != "":
		s.OK, s.Why = false, "error: "+m.Err
	case s.Failed > 0:
		s.OK, s.Why = false, fmt.Sprintf("%d failed", s.Failed)
	case s.Dropped > 0:
		s.OK, s.Why = false, fmt.Sprintf("%d iterations dropped", s.Dropped)
	case bound > 0 && s.TTFTP99 > boundMs:
		s.OK, s.Why = false, fmt.Sprintf("p99 TTFT %.1f ms over %.1f ms", s.TTFTP99, boundMs)
	}
	return s
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
			res.Capacity = lastGood
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
	res.Capacity = lastGood
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
