package runner

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/report"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/servers"
)

// SweepName is the pseudo-scenario that asks for a sweep: stepped arrival rates per server
// until the SLO breaks, then bisection, giving each server's capacity under the SLO.
const SweepName = "sweep"

// SweepConfig shapes the sweep; zero values pick the defaults on each field.
type SweepConfig struct {
	StartRate  int           // first step's arrival rate (streams/s); default 100
	Factor     float64       // each step's rate is the previous one × Factor; default 2
	MaxRate    int           // the sweep stops here even when the SLO still holds; default 25600
	Step       time.Duration // each step's duration, long enough for a stable p99; default 15 s (× quick factor)
	Bisections int           // steps between the last good and the first bad rate; default 3
	TTFTMargin time.Duration // SLO: p99 TTFT ≤ direct's p99 TTFT at the first step + this; default 50 ms
}

func (c *SweepConfig) applyDefaults(quick bool, factor float64) {
	if c.StartRate <= 0 {
		c.StartRate = 100
	}
	if c.Factor <= 1 {
		c.Factor = 2
	}
	if c.MaxRate <= 0 {
		c.MaxRate = 25600
	}
	if c.Step <= 0 {
		c.Step = quickDefault(15*time.Second, quick, factor, 2*time.Second)
	}
	if c.Bisections < 0 {
		c.Bisections = 0
	} else if c.Bisections == 0 {
		c.Bisections = 3
	}
	if c.TTFTMargin <= 0 {
		c.TTFTMargin = 50 * time.Millisecond
	}
}

// SweepStep is one arrival rate of a sweep, judged against the SLO from the load
// generator's own figures (PromQL gives the published curve).
type SweepStep struct {
	Rate     int     `json:"offered_rate"`
	Achieved float64 `json:"achieved_rate"`
	TTFTP99  float64 `json:"ttft_p99_ms"`
	Failed   int64   `json:"failed"`
	Dropped  int64   `json:"dropped_iterations"`
	OK       bool    `json:"within_slo"`
	Why      string  `json:"why,omitempty"` // what broke the SLO
}

// SweepResult is one server's sweep.
type SweepResult struct {
	Server   string      `json:"server"`
	Steps    []SweepStep `json:"steps"`
	Capacity int         `json:"capacity_at_slo"` // the highest offered rate within the SLO; 0 when even the first step broke it
	Limit    string      `json:"limit"`           // "proxy", "harness" or "max rate": what stopped the sweep
	Note     string      `json:"note,omitempty"`
}

// SweepOutcome is the sweep of a run: its SLO and one result per server.
type SweepOutcome struct {
	TestID      string         `json:"testid"`
	Window      run.Window     `json:"window"`
	TTFTBoundMs float64        `json:"slo_ttft_p99_ms"`
	Results     []SweepResult  `json:"servers"`
	Curve       *results.Table `json:"-"` // every step of every server from PromQL
}

// sweepAll sweeps every server in list (direct first: its first step sets the SLO, and
// the rate at which it breaks is the harness' own ceiling).
func sweepAll(ctx context.Context, st *stack, list []servers.Server, out *Outcome, progress *Progress) {
	cfg := st.cfg.Sweep
	sw := &SweepOutcome{TestID: run.SweepTestID(st.cfg.TestID), Window: run.Window{Start: time.Now()}}
	bound := cfg.TTFTMargin
	var ceiling int // direct's first bad rate: beyond it the harness, not the proxy, is measured
	ordered := append([]servers.Server(nil), list...)
	for i, s := range ordered {
		if s.Name == directServer.Name {
			ordered[0], ordered[i] = ordered[i], ordered[0]
		}
	}
	for i, srv := range ordered {
		if ctx.Err() != nil || srv.Unavailable != "" {
			continue
		}
		at := position{Trial: 1, Trials: 1, TestID: sw.TestID, Index: i + 1, Count: len(ordered)}
		var res SweepResult
		judgeBy := bound
		if srv.Name == directServer.Name {
			judgeBy = 0
		}
		ms, skip := withServer(ctx, st, srv, at, progress, func(tg target) []Measured {
			var ms []Measured
			res, ms = sweepServer(ctx, st, srv.Name, tg, at, judgeBy, progress)
			return ms
		})
		out.Measured = append(out.Measured, ms...)
		if skip != nil {
			continue
		}
		if srv.Name == directServer.Name && len(res.Steps) > 0 {
			bound += time.Duration(res.Steps[0].TTFTP99 * float64(time.Millisecond))
			sw.TTFTBoundMs = float64(bound) / float64(time.Millisecond)
			ceiling = firstBad(res)
			res.Limit, res.Note = "harness", "the stub and the load generator alone: the ceiling of every proxy's sweep here"
		} else {
			judgeLimit(&res, ceiling, cfg.MaxRate)
		}
		progress.Logf("%s %s sweep: capacity %d streams/s within p99 TTFT ≤ %.1f ms (%s limit)", at, srv.Name, res.Capacity,
			float64(bound)/float64(time.Millisecond), res.Limit)
		sw.Results = append(sw.Results, res)
	}
	if sw.TTFTBoundMs == 0 {
		sw.TTFTBoundMs = float64(bound) / float64(time.Millisecond)
	}
	sw.Window.End = time.Now().Add(st.cfg.SettleTime)
	out.Sweep = sw
}

// sweepServer steps the rate up geometrically until the SLO breaks, then bisects between
// the last good and the first bad rate.
func sweepServer(ctx context.Context, st *stack, server string, tg target, at position, bound time.Duration, progress *Progress) (SweepResult, []Measured) {
	cfg := st.cfg.Sweep
	res := SweepResult{Server: server}
	var measured []Measured
	warmUp(ctx, tg, arrivalRate(cfg.StartRate, time.Second, 2*time.Second))
	// bound 0 (direct, which sets the SLO): its own first step's p99 TTFT + the margin.
	step := func(rate int) SweepStep {
		s, m := sweepStep(ctx, st, server, tg, rate, at, bound, progress)
		measured = append(measured, m)
		if bound == 0 {
			bound = time.Duration(s.TTFTP99*float64(time.Millisecond)) + cfg.TTFTMargin
		}
		res.Steps = append(res.Steps, s)
		return s
	}
	lastGood, firstBad := 0, 0
	for rate := cfg.StartRate; rate <= cfg.MaxRate && ctx.Err() == nil; rate = int(math.Ceil(float64(rate) * cfg.Factor)) {
		if s := step(rate); !s.OK {
			firstBad = rate
			break
		}
		lastGood = rate
	}
	for i := 0; i < cfg.Bisections && firstBad > 0 && firstBad-lastGood > 1 && ctx.Err() == nil; i++ {
		mid := (lastGood + firstBad) / 2
		if lastGood == 0 {
			mid = firstBad / 2
		}
		if mid <= lastGood || mid >= firstBad || mid <= 0 {
			break
		}
		if s := step(mid); s.OK {
			lastGood = mid
		} else {
			firstBad = mid
		}
	}
	res.Capacity = lastGood
	return res, measured
}

// sweepStep runs one constant arrival rate and judges it: any failure, any dropped
// iteration, or a p99 TTFT over bound breaks the SLO. bound 0 judges failures only.
func sweepStep(ctx context.Context, st *stack, server string, tg target, rate int, at position, bound time.Duration, progress *Progress) (SweepStep, Measured) {
	cfg := st.cfg.Sweep
	sc := arrivalRate(rate, cfg.Step, 5*time.Second)
	name := fmt.Sprintf("%s%d", catalog.SweepScenarioPrefix, rate)
	m := runScenario(ctx, st, server, tg, namedScenario{Name: name, Scenario: sc}, at, progress)
	progress.Done()
	s := SweepStep{Rate: rate, OK: true}
	if m.Summary == nil {
		s.OK, s.Why = false, "error: "+m.Error
		return s, m
	}
	s.Achieved, s.Failed, s.Dropped = m.Summary.RequestRate, m.Summary.Failed, m.Summary.Dropped
	s.TTFTP99 = ms(m.Summary.TimeToFirstToken.P99)
	switch {
	case s.Failed > 0:
		s.OK, s.Why = false, fmt.Sprintf("%d failed", s.Failed)
	case s.Dropped > 0:
		s.OK, s.Why = false, fmt.Sprintf("%d iterations dropped", s.Dropped)
	case bound > 0 && s.TTFTP99 > float64(bound)/float64(time.Millisecond):
		s.OK, s.Why = false, fmt.Sprintf("p99 TTFT %.1f ms over %.1f ms", s.TTFTP99, float64(bound)/float64(time.Millisecond))
	}
	progress.Logf("%s %s sweep %d/s: %.1f req/s, p99 TTFT %.1f ms%s", at, server, rate, s.Achieved, s.TTFTP99, whyNote(s))
	return s, m
}

func whyNote(s SweepStep) string {
	if s.OK {
		return ""
	}
	return " — outside the SLO: " + s.Why
}

func firstBad(r SweepResult) int {
	bad := 0
	for _, s := range r.Steps {
		if !s.OK && (bad == 0 || s.Rate < bad) {
			bad = s.Rate
		}
	}
	return bad
}

// judgeLimit says what stopped a proxy's sweep: itself, or the harness when the proxy broke
// the SLO only at or beyond the rate where direct did (the stub and the load generator
// saturate there, whatever the proxy does).
func judgeLimit(r *SweepResult, ceiling, maxRate int) {
	bad := firstBad(*r)
	switch {
	case bad == 0:
		r.Limit, r.Note = "max rate", fmt.Sprintf("within the SLO up to the sweep's maximum %d/s", maxRate)
	case ceiling > 0 && bad >= ceiling:
		r.Limit, r.Note = "harness", fmt.Sprintf("broke the SLO only at %d/s, where direct did too: capacity ≥ %d/s, the harness is the limit here", bad, r.Capacity)
	default:
		r.Limit = "proxy"
	}
}

// fetchSweepCurve reads every step of the sweep from Prometheus (catalog sweep.*).
func fetchSweepCurve(ctx context.Context, st *stack, out *Outcome) error {
	if out.Sweep == nil || len(out.Sweep.Results) == 0 {
		return nil
	}
	if out.Sweep.Window.End.After(out.End) {
		out.Sweep.Window.End = out.End
	}
	q, err := run.NewQuerier(st.promURL)
	if err != nil {
		return err
	}
	curve, err := results.FetchColumns(ctx, q, out.Sweep.TestID, out.Sweep.Window, catalog.SweepColumns, catalog.SweepReqPerSecond)
	if err != nil {
		return fmt.Errorf("the sweep's curve from Prometheus: %w", err)
	}
	out.Sweep.Curve = curve
	return nil
}

// arrivalRate is a constant-arrival-rate scenario of rate streams/s for d, with VUs enough
// for streams that slow down near saturation (and a bound, so a stalled proxy cannot make
// the generator open thousands).
func arrivalRate(rate int, d, gracefulStop time.Duration) load.Scenario {
	return load.Scenario{Executor: load.ExecConstantArrivalRate, Rate: rate, TimeUnit: time.Second, Duration: d,
		PreAllocatedVUs: min(max(10, rate/20), 500), MaxVUs: min(max(100, rate/2), 2000), GracefulStop: gracefulStop}
}

// warmUp runs sc against tg, measured by nobody (its registry is never pushed): a
// process's first requests (connections opened, code paths, JIT and allocators warmed)
// would otherwise weigh on what follows. Before a sweep it is a second of the first step's
// rate: in one run a cold go-http gave a p99 TTFT of 111 ms there, 4 ms one step later.
func warmUp(ctx context.Context, tg target, sc load.Scenario) {
	_, _ = load.Run(ctx, load.Options{Target: tg.url, TestID: "warm-up", Server: "warm-up", ScenarioName: "warm-up",
		Scenario: sc, Headers: tg.headers, Registry: prometheus.NewRegistry()})
}

// warmUpVUs is the trials' warm-up: the baseline scenario's 10 VUs for d.
func warmUpVUs(d time.Duration) load.Scenario {
	return load.Scenario{Executor: load.ExecConstantVUs, VUs: 10, Duration: d, GracefulStop: 2 * time.Second}
}

// reportSweep is what the HTML report shows of the sweep.
func reportSweep(sw *SweepOutcome) *report.Sweep {
	if sw == nil {
		return nil
	}
	rs := &report.Sweep{BoundMs: sw.TTFTBoundMs, Curve: sw.Curve}
	for _, r := range sw.Results {
		rs.Capacities = append(rs.Capacities, report.SweepCapacity{Server: r.Server, Capacity: r.Capacity, Limit: r.Limit, Note: r.Note})
	}
	return rs
}
