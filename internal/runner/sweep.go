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
	"github.com/ssebench/ssebench/internal/sweep"
)

// SweepName is the pseudo-scenario that asks for a sweep: stepped arrival rates per server
// until the SLO breaks, then bisection, giving each server's capacity under the SLO.
const SweepName = "sweep"

// applySweepDefaults fills the sweep's zero fields; its steps are 15 s, shortened by --quick.
func applySweepDefaults(c *sweep.Config, quick bool, factor float64) {
	c.ApplyDefaults(quickDefault(sweep.DefaultStep, quick, factor, 2*time.Second))
}

// SweepOutcome is the sweep of a run: its SLO and one result per server.
type SweepOutcome struct {
	TestID        string         `json:"testid"`
	Window        run.Window     `json:"window"`
	GoodputTarget float64        `json:"slo_goodput"`     // the SLO: this share of a step's streams met the per-stream SLO
	TTFTBoundMs   float64        `json:"slo_ttft_p99_ms"` // the second rule's bound
	Results       []sweep.Result `json:"servers"`
	Curve         *results.Table `json:"-"` // every step of every server from PromQL
}

// sweepAll sweeps every server in list (direct first: its first step sets the SLO, and
// the rate at which it breaks is the harness' own ceiling).
func sweepAll(ctx context.Context, st *stack, list []servers.Server, out *Outcome, progress *Progress) {
	cfg := st.cfg.Sweep
	sw := &SweepOutcome{TestID: run.SweepTestID(st.cfg.TestID), Window: run.Window{Start: time.Now()}, GoodputTarget: cfg.GoodputTarget}
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
		var res sweep.Result
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
			ceiling = sweep.FirstBad(res)
			res.Limit, res.Note = sweep.LimitHarness, "the stub and the load generator alone: the ceiling of every proxy's sweep here"
		} else {
			sweep.JudgeLimit(&res, ceiling, cfg.MaxRate)
		}
		progress.Logf("%s %s sweep: capacity %d streams/s with goodput ≥ %g %% (%s limit); %d streams/s within p99 TTFT ≤ %.1f ms",
			at, srv.Name, res.Capacity, 100*cfg.GoodputTarget, res.Limit, res.CapacityTTFT, float64(bound)/float64(time.Millisecond))
		sw.Results = append(sw.Results, res)
	}
	if sw.TTFTBoundMs == 0 {
		sw.TTFTBoundMs = float64(bound) / float64(time.Millisecond)
	}
	sw.Window.End = time.Now().Add(st.cfg.SettleTime)
	out.Sweep = sw
	if len(sw.Results) > 0 {
		if err := pushSweep(st, sw); err != nil {
			progress.Logf("warning: %v; the report will show no capacities", err)
		}
	}
}

// sweepServer runs sweep.Search on one server, each rate a load run of its own. bound 0
// (direct, which sets the SLO) judges its first step by failures only, and the rest by that
// step's p99 TTFT + the margin.
func sweepServer(ctx context.Context, st *stack, server string, tg target, at position, bound time.Duration, progress *Progress) (sweep.Result, []Measured) {
	cfg := st.cfg.Sweep
	var measured []Measured
	warmUp(ctx, tg, arrivalRate(cfg.StartRate, time.Second, 2*time.Second))
	res := sweep.Search(cfg, server, func(rate int) (sweep.Step, bool) {
		if ctx.Err() != nil {
			return sweep.Step{}, false
		}
		s, m := sweepStep(ctx, st, server, tg, rate, at, bound, progress)
		measured = append(measured, m)
		if bound == 0 {
			bound = time.Duration(s.TTFTP99*float64(time.Millisecond)) + cfg.TTFTMargin
		}
		return s, true
	})
	return res, measured
}

// goodputShare is the share of a load run's streams that met the SLO; NaN without streams.
func goodputShare(g load.GoodputSummary) float64 {
	if g.Of == 0 {
		return math.NaN()
	}
	return float64(g.Streams) / float64(g.Of)
}

// sweepStep runs one constant arrival rate and judges it (sweep.Judge).
func sweepStep(ctx context.Context, st *stack, server string, tg target, rate int, at position, bound time.Duration, progress *Progress) (sweep.Step, Measured) {
	sc := arrivalRate(rate, st.cfg.Sweep.Step, 5*time.Second)
	name := fmt.Sprintf("%s%d", catalog.SweepScenarioPrefix, rate)
	m := runScenario(ctx, st, server, tg, namedScenario{Name: name, Scenario: sc, SLO: st.cfg.SLO}, at, progress)
	progress.Done()
	var got sweep.Measurement
	if m.Summary == nil {
		got.Err = m.Error
	} else {
		got = sweep.Measurement{Achieved: m.Summary.RequestRate, TTFTP99: ms(m.Summary.TimeToFirstToken.P99),
			Failed: m.Summary.Failed, Dropped: m.Summary.Dropped, Goodput: goodputShare(m.Summary.Goodput)}
	}
	s := sweep.Judge(rate, got, bound, st.cfg.Sweep.GoodputTarget)
	progress.Logf("%s %s sweep %d/s: %.1f req/s, p99 TTFT %.1f ms%s", at, server, rate, s.Achieved, s.TTFTP99, whyNote(s))
	return s, m
}

func whyNote(s sweep.Step) string {
	if s.OK {
		return ""
	}
	return " — outside the SLO: " + s.Why
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
	return load.ConstantArrivalRate{Rate: rate, TimeUnit: time.Second, Duration: d,
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
	return load.ConstantVUs{VUs: 10, Duration: d, GracefulStop: 2 * time.Second}
}

// sweepReport is the sweep's verdict as the report shows it (its curve is the report's to
// read from Prometheus); nil without a sweep.
func sweepReport(s *SweepOutcome) *report.Sweep {
	if s == nil || len(s.Results) == 0 {
		return nil
	}
	out := &report.Sweep{GoodputPercent: 100 * s.GoodputTarget, BoundMs: s.TTFTBoundMs, Curve: s.Curve}
	for _, r := range s.Results {
		out.Capacities = append(out.Capacities, report.SweepCapacity{Server: r.Server, Capacity: r.Capacity,
			CapacityTTFT: r.CapacityTTFT, Limit: r.Limit, Note: r.Note})
	}
	return out
}
