package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/cputime"
	"github.com/ssebench/ssebench/internal/duet"
	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/proctree"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/stats"
)

// DuetOutcome is what the side-by-side procedure measured and judged.
type DuetOutcome struct {
	TestID        string        `json:"testid"`
	Seed          uint64        `json:"seed"`
	Rate          int           `json:"rate_per_server"`
	Round         time.Duration `json:"round_ns"`
	Precision     float64       `json:"precision"`
	Budget        time.Duration `json:"budget_ns"`
	Workload      string        `json:"workload,omitempty"` // the scenario whose arrivals and stream the rounds took; "": evenly spaced, the stub's default
	Stopped       string        `json:"stopped"`            // why the rounds ended
	Elapsed       time.Duration `json:"elapsed_ns"`
	CPUSource     string        `json:"cpu_source"` // how CPU was read, with its resolution
	Rounds        []duet.Round  `json:"rounds"`
	Verdict       duet.Verdict  `json:"verdict"`
	Harness       DuetHarness   `json:"harness"`
	Died          []Skipped     `json:"died,omitempty"`
	Window        run.Window    `json:"window"`
	SaturatedNote []string      `json:"saturated,omitempty"` // which server saturated at what rate
}

// DuetHarness is the cost of the parts every server shares, per stream of all servers:
// a harness limit must not be taken for a proxy's.
type DuetHarness struct {
	StubMicrosPerStream stats.Float `json:"stub_cpu_us_per_stream"`
	LoadMicrosPerStream stats.Float `json:"load_generator_cpu_us_per_stream"`
}

// Reasons the rounds end.
const (
	stopPrecision   = "precision reached"
	stopBudget      = "budget spent"
	stopMaxRounds   = "round limit reached"
	stopInterrupted = "interrupted"
	stopTooFew      = "fewer than two servers left"
)

// duetRun is one side-by-side procedure in progress.
type duetRun struct {
	st        *stack
	cfg       DuetConfig
	seed      uint64
	testID    string
	instances []*instance // every server, the A/A twin and direct
	stub      *cputime.Meter
	progress  *Progress
	workload  *namedScenario // the rounds' arrival process and stream; nil: evenly spaced, the stub's default
}

// duetAll starts every server of list at once (and the reference's twin), drives them all
// in rounds until every ratio is precise enough or the budget is spent, and judges them.
func duetAll(ctx context.Context, st *stack, list []servers.Server, workload *namedScenario, out *Outcome, progress *Progress) {
	cfg := st.cfg.Duet
	d := &duetRun{st: st, cfg: cfg, seed: st.cfg.OrderSeed, testID: run.DuetTestID(st.cfg.TestID), progress: progress, workload: workload}
	res := &DuetOutcome{TestID: d.testID, Seed: d.seed, Rate: cfg.Rate, Round: cfg.Round, Precision: cfg.Precision, Budget: cfg.Budget, Workload: cfg.Workload}
	out.Duet = res
	defer d.stopAll()
	if !d.startAll(ctx, list, out) {
		res.Stopped = stopTooFew
		return
	}
	res.CPUSource = d.cpuSource()
	progress.Logf("duet %s: %d servers at once, %d streams/s each, rounds of %s until every CPU ratio is within ±%.1f %% or %s; CPU from %s; seed %d",
		d.testID, len(d.instances), cfg.Rate, cfg.Round, 100*cfg.Precision, cfg.Budget, res.CPUSource, d.seed)
	d.round(ctx, 0, cfg.WarmUp) // unrecorded: connections, code paths and allocators warm up
	start := time.Now()
	res.Window.Start = start
	var stubCPU, loadCPU, streams float64
	for n := 1; ; n++ {
		if reason := d.stopReason(ctx, res, n, start); reason != "" {
			res.Stopped = reason
			break
		}
		r, h := d.round(ctx, n, cfg.Round)
		d.noteDeaths(r, res, progress)
		res.Rounds = append(res.Rounds, r)
		stubCPU, loadCPU, streams = stubCPU+h.stub, loadCPU+h.load, streams+h.streams
		res.Verdict = d.judge(res.Rounds)
		worst, who := res.Verdict.Precision()
		progress.Logf("duet round %d (%s of %s): widest CPU interval ±%s (%s)%s", n, time.Since(start).Round(time.Second), cfg.Budget,
			pct(worst), who, saturatedNote(r))
	}
	res.Elapsed = time.Since(start)
	res.Window.End = time.Now()
	res.Harness = DuetHarness{StubMicrosPerStream: stats.Float(1e6 * stubCPU / streams), LoadMicrosPerStream: stats.Float(1e6 * loadCPU / streams)}
	res.SaturatedNote = saturatedServers(res.Rounds, cfg.Rate)
	progress.Logf("duet: %s after %d rounds (%s)", res.Stopped, len(res.Rounds), res.Elapsed.Round(time.Second))
	if len(res.Rounds) > 0 {
		if err := pushDuet(st, res); err != nil {
			progress.Logf("warning: %v", err)
		}
	}
}

// stopReason says why no round n should start, or "".
func (d *duetRun) stopReason(ctx context.Context, res *DuetOutcome, n int, start time.Time) string {
	switch {
	case ctx.Err() != nil:
		return stopInterrupted
	case d.measurable() < 2:
		return stopTooFew
	case n > d.cfg.MaxRounds:
		return stopMaxRounds
	case res.Verdict.PreciseEnough(d.cfg.Precision, d.cfg.MinRounds):
		return stopPrecision
	}
	if n > 1 && time.Since(start)+d.cfg.Round > d.cfg.Budget {
		return stopBudget
	}
	return ""
}

func (d *duetRun) judge(rounds []duet.Round) duet.Verdict {
	var names []string
	aa, direct := "", ""
	for _, in := range d.instances {
		switch {
		case in.proc == nil:
			direct = in.name
		default:
			names = append(names, in.name)
			if in.name == d.cfg.Reference+AASuffix {
				aa = in.name
			}
		}
	}
	return duet.Judge(rounds, names, d.cfg.Reference, aa, direct)
}

// roundHarness is what the shared parts spent in one round.
type roundHarness struct{ stub, load, streams float64 }

// round drives every live instance with its own constant-arrival-rate schedule for length,
// each starting at the order and phase duet.Plan draws, and measures each one's CPU over
// the same window: from before the first schedule starts to after the last stream ends.
func (d *duetRun) round(ctx context.Context, number int, length time.Duration) (duet.Round, roundHarness) {
	live := d.live()
	names := make([]string, len(live))
	for i, in := range live {
		names[i] = in.name
	}
	r := duet.Round{Number: number, Starts: duet.Plan(d.seed, number, names, time.Second/time.Duration(d.cfg.Rate)), Samples: map[string]duet.Sample{}}
	tree := proctree.Children("/proc") // one scan of /proc for every server's workers
	for _, in := range live {
		if in.proc != nil {
			resetPeakRSS(tree, in.proc.PID())
		}
	}
	before := make([]float64, len(live))
	for i, in := range live {
		before[i] = in.cpuSeconds()
	}
	stubBefore, loadBefore := meterSeconds(d.stub), selfCPUSeconds()
	r.Start = time.Now()
	summaries := d.drive(ctx, live, r.Starts, length, number)
	r.End = time.Now()
	h := roundHarness{stub: meterSeconds(d.stub) - stubBefore, load: selfCPUSeconds() - loadBefore}
	offered := int64(math.Round(float64(d.cfg.Rate) * length.Seconds()))
	tree = proctree.Children("/proc")
	for i, in := range live {
		s := sampleOf(in.name, summaries[in.name], d.offered(summaries[in.name], offered))
		s.CPUSeconds = in.cpuSeconds() - before[i]
		if in.proc != nil {
			s.PeakRSSBytes = peakRSSBytes(tree, in.proc.PID())
		}
		s.Judge()
		r.Samples[in.name] = s
		h.streams += float64(s.Streams)
	}
	return r, h
}

// drive runs the schedules and returns each instance's summary.
// Within a round every server's k-th arrival draws the same length (a workload's drawn
// lengths, load.Options.LengthSalt), and each round draws afresh: the ratio compares the
// servers on one sample of lengths, and the rounds sample the distribution.
func (d *duetRun) drive(ctx context.Context, live []*instance, starts []duet.Start, length time.Duration, round int) map[string]*load.Summary {
	byName := map[string]*instance{}
	for _, in := range live {
		byName[in.name] = in
	}
	sc := d.schedule(length)
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		out = map[string]*load.Summary{}
	)
	t0 := time.Now()
	for _, s := range starts {
		in := byName[s.Server]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sleepCtx(ctx, time.Until(t0.Add(s.Delay)))
			sum, err := load.Run(ctx, load.Options{Target: in.url, TestID: d.testID, Server: in.name, ScenarioName: DuetName,
				Scenario: sc, Headers: d.headers(in), SLO: d.st.cfg.SLO, Registry: prometheus.NewRegistry(),
				LengthSalt: d.seed ^ uint64(round)<<32})
			if err != nil && !errors.Is(err, context.Canceled) {
				d.st.cfg.Logger.Warn("duet load", "server", in.name, "err", err)
			}
			mu.Lock()
			out[in.name] = sum
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// sampleOf turns a load summary into the round's sample of one server (CPU and memory aside).
func sampleOf(name string, s *load.Summary, offered int64) duet.Sample {
	nan := math.NaN()
	out := duet.Sample{Server: name, Offered: offered, CPUSeconds: nan, PeakRSSBytes: nan,
		TTFTp50: nan, TTFTp99: nan, GapP99: nan, DurP50: nan, DurP99: nan}
	if s == nil {
		return out
	}
	out.Streams, out.Failed, out.VUsMax = s.Iterations, s.Failed, s.VUsMax
	out.TTFTp50, out.TTFTp99 = ms(s.TimeToFirstToken.Med), ms(s.TimeToFirstToken.P99)
	out.GapP99 = ms(s.EventGap.P99)
	out.DurP50, out.DurP99 = ms(s.HTTPReqDuration.Med), ms(s.HTTPReqDuration.P99)
	return out
}

// live is the instances still measured, in a fixed order.
func (d *duetRun) live() []*instance {
	var out []*instance
	for _, in := range d.instances {
		if in.died == "" {
			out = append(out, in)
		}
	}
	return out
}

// measurable counts the live instances with a process of their own: fewer than two leave
// nothing to compare.
func (d *duetRun) measurable() int {
	n := 0
	for _, in := range d.live() {
		if in.proc != nil {
			n++
		}
	}
	return n
}

// noteDeaths reports servers whose process ended during the round; the rest go on, and
// the dead server's round does not count.
func (d *duetRun) noteDeaths(r duet.Round, res *DuetOutcome, progress *Progress) {
	for _, in := range d.instances {
		if why, ok := in.exited(); ok {
			res.Died = append(res.Died, Skipped{Server: in.name, Reason: why})
			progress.Logf("duet: %s %s; the others go on", in.name, why)
			if s, ok := r.Samples[in.name]; ok {
				s.Saturated = "the process exited"
				r.Samples[in.name] = s
			}
		}
	}
}

// cpuSource says how the servers' CPU was read: the coarsest meter of any of them.
func (d *duetRun) cpuSource() string {
	var worst *cputime.Meter
	for _, in := range d.instances {
		if in.meter != nil && (worst == nil || in.meter.Resolution() > worst.Resolution()) {
			worst = in.meter
		}
	}
	if worst == nil {
		return "not measured"
	}
	return fmt.Sprintf("%s, resolution %s", worst.Source(), worst.Resolution())
}

func (d *duetRun) stopAll() {
	for _, in := range d.instances {
		if in.proc != nil { // direct is the stub, watched for the whole run
			d.st.unwatchServer(in.name)
		}
		if err := in.stop(); err != nil && in.died == "" {
			d.progress.Logf("duet %s: warning: stop: %v", in.name, err)
		}
	}
	if d.stub != nil {
		_ = d.stub.Close()
	}
}

func saturatedNote(r duet.Round) string {
	var names []string
	for name, s := range r.Samples {
		if s.Saturated != "" {
			names = append(names, name+": "+s.Saturated)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return fmt.Sprintf("; not counted: %v", names)
}

// saturatedServers lists each server that saturated in any round, and how often.
func saturatedServers(rounds []duet.Round, rate int) []string {
	count := map[string]int{}
	for _, r := range rounds {
		for name, s := range r.Samples {
			if s.Saturated != "" {
				count[name]++
			}
		}
	}
	var out []string
	for name, n := range count {
		out = append(out, fmt.Sprintf("%s saturated in %d of %d rounds at %d streams/s (not counted)", name, n, len(rounds), rate))
	}
	slices.Sort(out)
	return out
}

func pct(share float64) string {
	if math.IsInf(share, 1) || math.IsNaN(share) {
		return "∞"
	}
	return fmt.Sprintf("%.1f %%", 100*share)
}

func selfCPUSeconds() float64 {
	d, err := cputime.Self()
	if err != nil {
		return math.NaN()
	}
	return d.Seconds()
}
