package runner

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/cputime"
	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/loadrun"
	"github.com/ssebench/ssebench/internal/proctree"
	"github.com/ssebench/ssebench/internal/progress"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/report"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/runinfo"
	"github.com/ssebench/ssebench/internal/servers"
)

// Measured is one load run: one scenario against one server in one trial.
type Measured struct {
	Trial    int               `json:"trial"`
	TestID   string            `json:"testid"`
	Server   string            `json:"server"`
	Scenario string            `json:"scenario"`
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`
	Summary  *load.Summary     `json:"summary,omitempty"`
	Push     remotewrite.Stats `json:"push"`
	Error    string            `json:"error,omitempty"`
}

// Skipped is a server that was not measured, and why.
type Skipped struct {
	Server string `json:"server"`
	Reason string `json:"reason"`
}

// Outcome is what a run measured, also when it was interrupted.
type Outcome struct {
	TestID      string            `json:"testid"` // the run id; each trial's testid is in Trials
	Trials      []run.Trial       `json:"trials"`
	OrderSeed   uint64            `json:"order_seed"`
	Start       time.Time         `json:"start"`
	End         time.Time         `json:"end"`
	Info        runinfo.Info      `json:"machine"`
	Measured    []Measured        `json:"load_runs"`
	Skipped     []Skipped         `json:"skipped"`
	Table       *results.Table    `json:"-"`
	Tables      []*results.Table  `json:"-"`                  // the scenario tables (catalog.ScenarioTables) of the scenarios that ran
	Findings    []results.Finding `json:"findings"`           // a server that buffers the stream, say: results, not harness errors
	External    []string          `json:"external,omitempty"` // gateways run outside ssebench: latency measured, CPU and memory not
	Sweep       *SweepOutcome     `json:"sweep,omitempty"`
	Duet        *DuetOutcome      `json:"duet,omitempty"`
	PromURL     string            `json:"prometheus_url"`
	Interrupted bool              `json:"interrupted"`
	ReportDir   string            `json:"-"`
	Dropped     int64             `json:"samples_dropped"`
	Report      string            `json:"report,omitempty"` // path of index.html
	SLO         load.SLO          `json:"slo"`              // what each stream's goodput was judged by: {"ttft_ms":1000,"gap_ms":250}
}

// Failed reports whether anything went wrong that the exit status must show.
func (o *Outcome) Failed() bool {
	if o.Interrupted || o.Dropped > 0 {
		return true
	}
	for _, m := range o.Measured {
		if m.Error != "" {
			return true
		}
	}
	return false
}

// Run executes the benchmark. ctx ending (Ctrl-C) stops every child process; what was
// measured until then is still returned, and the table is still computed.
func Run(ctx context.Context, cfg Config) (*Outcome, error) {
	if err := cfg.applyDefaults(); err != nil {
		return nil, err
	}
	progress := NewProgress(cfg.Stdout, cfg.TTY)
	p, err := plan(cfg)
	if err != nil {
		return nil, err
	}
	list, scenarios := p.servers, p.scenarios
	applySweepDefaults(&cfg.Sweep, cfg.Quick, cfg.QuickFactor)
	cfg.Duet.applyDefaults(cfg.Quick, cfg.QuickFactor)
	cfg.Duet.Reference = p.reference
	out := &Outcome{TestID: cfg.TestID, OrderSeed: cfg.OrderSeed, Start: time.Now(), ReportDir: filepath.Join(cfg.ReportDir, cfg.TestID), SLO: cfg.SLO}
	for _, s := range list {
		if s.External() {
			out.External = append(out.External, s.Name)
		}
	}
	progress.Logf("ssebench run %s: %d server(s) × %d scenario(s) × %d trial(s)%s%s%s · SLO %s", cfg.TestID, len(list), len(scenarios),
		cfg.Trials, referenceNote(cfg), quickNote(cfg), duetNote(p.duet), cfg.SLO)

	st := &stack{cfg: &cfg}
	defer st.shutdown(progress)
	if err := st.start(ctx, progress); err != nil {
		return nil, err
	}
	if p.duet && ctx.Err() == nil {
		// First: the headline, and the servers' processes are fresh for it as for the rest.
		duetAll(ctx, st, list, p.duetWorkload, out, progress)
	}
	if cfg.Reference {
		list = append([]servers.Server{directServer}, list...)
	}
	out.PromURL = st.promURL
	out.Info = runinfo.Collect(ctx, cfg.TestID, runinfo.Options{Root: cfg.Root, BunBinaries: bunBinaries(list)})
	infoPush, err := startInfoPusher(ctx, st, out.Info, list)
	if err != nil {
		return nil, err
	}
	if len(scenarios) > 0 {
		measureAll(ctx, st, list, scenarios, out, progress)
	}
	if p.sweep && ctx.Err() == nil {
		sweepAll(ctx, st, list, out, progress)
	}
	out.Interrupted = ctx.Err() != nil
	progress.Done()
	return out, finish(st, out, infoPush, list, progress)
}

// start brings up what every load run shares. Scrape targets are written before
// Prometheus starts, so that it scrapes them from its first second on.
func (s *stack) start(ctx context.Context, progress *Progress) error {
	if err := s.prepare(); err != nil {
		return err
	}
	if err := s.startStub(ctx); err != nil {
		return err
	}
	progress.Logf("stub: %s", s.stub.URL())
	// The servers under test join the exporter's targets as they start; the stub is watched
	// under the reference's name from the start: direct's CPU is the stub's.
	ports := map[string]int{}
	if s.cfg.Reference {
		ports[directServer.Name] = port(s.stub)
	}
	if !s.cfg.NoExporter {
		if err := s.startExporter(ctx, ports); err != nil {
			progress.Logf("warning: %v; CPU and memory columns will show %s", err, results.Missing)
		}
	}
	if s.cfg.Alerts {
		if err := s.startAlertmanager(ctx); err != nil {
			return err
		}
		progress.Logf("alertmanager: %s", s.alerts.URL())
	}
	if err := s.startPrometheus(ctx); err != nil {
		return err
	}
	progress.Logf("prometheus: %s", s.promURL)
	return nil
}

// shutdown stops every child; with --keep, Prometheus (and Alertmanager) stay up to browse.
func (s *stack) shutdown(progress *Progress) {
	if err := s.stop(s.cfg.Keep); err != nil {
		progress.Logf("warning: %v", err)
	}
	if s.cfg.Keep && s.prom != nil {
		progress.Logf("Prometheus keeps running at %s (data in %s); stop it with: kill %d", s.promURL, s.prom.DataDir(), s.prom.PID())
	}
}

// measureAll runs every trial: each one every scenario against every server, in an order
// shuffled per trial (seeded, printed) so that slow drift of the machine does not favour
// whoever runs first. Each trial pushes under its own testid.
func measureAll(ctx context.Context, st *stack, list []servers.Server, scenarios []namedScenario, out *Outcome, progress *Progress) {
	skipped := map[string]bool{}
	for trial := 1; trial <= st.cfg.Trials && ctx.Err() == nil; trial++ {
		order := trialOrder(list, st.cfg.OrderSeed, trial)
		tr := run.Trial{Number: trial, TestID: run.TrialTestID(st.cfg.TestID, trial, st.cfg.Trials), Window: run.Window{Start: time.Now()}}
		for _, srv := range order {
			tr.Order = append(tr.Order, srv.Name)
		}
		if st.cfg.Trials > 1 {
			progress.Logf("trial %d/%d (testid %s), order: %s", trial, st.cfg.Trials, tr.TestID, strings.Join(tr.Order, ", "))
		}
		for i, srv := range order {
			if ctx.Err() != nil || skipped[srv.Name] {
				continue
			}
			if srv.Unavailable != "" {
				skipped[srv.Name] = true
				out.Skipped = append(out.Skipped, Skipped{Server: srv.Name, Reason: srv.Unavailable})
				progress.Logf("[%d/%d] %s: skipped: %s", i+1, len(order), srv.Name, srv.Unavailable)
				continue
			}
			at := position{Trial: trial, Trials: st.cfg.Trials, TestID: tr.TestID, Index: i + 1, Count: len(order)}
			ms, skip := runServer(ctx, st, srv, scenarios, at, progress)
			out.Measured = append(out.Measured, ms...)
			if skip != nil {
				skipped[srv.Name] = true
				out.Skipped = append(out.Skipped, *skip)
			}
		}
		tr.End = time.Now().Add(st.cfg.SettleTime)
		out.Trials = append(out.Trials, tr)
	}
}

// position is where one server stands in the run, for progress lines and testids.
type position struct {
	Trial, Trials int
	TestID        string
	Index, Count  int
}

func (p position) String() string { return progress.Position(p.Trial, p.Trials, p.Index, p.Count) }

func (p position) status(lp load.Progress, server, scenario string) Status {
	s := progress.FromLoad(lp, p.Index, p.Count, server, scenario)
	s.Trial, s.Trials = p.Trial, p.Trials
	return s
}

// trialOrder is the servers in a seeded random order of their own for each trial.
func trialOrder(list []servers.Server, seed uint64, trial int) []servers.Server {
	order := slices.Clone(list)
	rng := rand.New(rand.NewPCG(seed, uint64(trial)))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return order
}

// finish lets the last pushes and scrapes land, then computes the table from PromQL and
// writes the report. It runs even after Ctrl-C: what was measured is still reported.
func finish(st *stack, out *Outcome, infoPush *remotewrite.Pusher, list []servers.Server, progress *Progress) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sleepCtx(ctx, st.cfg.SettleTime)
	if stats, err := infoPush.Stop(ctx); err != nil {
		progress.Logf("warning: run info push: %v", err)
		out.Dropped += stats.SamplesDropped
	}
	for _, m := range out.Measured {
		out.Dropped += m.Push.SamplesDropped
	}
	out.End = time.Now()
	if err := fetchSweepCurve(ctx, st, out); err != nil {
		return err
	}
	if len(out.Measured) == 0 || len(out.Trials) == 0 {
		return nil
	}
	if last := &out.Trials[len(out.Trials)-1]; last.End.After(out.End) {
		last.End = out.End
	}
	q, err := run.NewQuerier(st.promURL)
	if err != nil {
		return err
	}
	table, err := results.FetchRun(ctx, q, out.TestID, out.Trials)
	if err != nil {
		return fmt.Errorf("computing the results table from Prometheus: %w", err)
	}
	out.Table = table
	if out.Findings, err = results.FetchFindings(ctx, q, out.TestID, out.Trials); err != nil {
		return fmt.Errorf("computing the findings from Prometheus: %w", err)
	}
	if out.Tables, err = results.FetchScenarioTables(ctx, q, out.TestID, out.Trials, out.ran); err != nil {
		return fmt.Errorf("computing the scenario tables from Prometheus: %w", err)
	}
	if !st.cfg.NoReport {
		out.Report = writeReport(ctx, q, out, list, progress)
	}
	return nil
}

// writeReport renders report/<testid>/index.html; a failure is reported, not fatal: the
// table and the results JSON still stand.
func writeReport(ctx context.Context, q *run.Querier, out *Outcome, list []servers.Server, progress *Progress) string {
	paths, err := report.Generate(ctx, q, out.TestID, out.Trials, filepath.Dir(out.ReportDir), report.Options{Servers: servers.Infos(list), Table: out.Table, Tables: out.Tables, Duet: duetReport(out.Duet)})
	if err != nil {
		progress.Logf("warning: the HTML report could not be written: %v", err)
		return ""
	}
	return paths.HTML
}

// planned is what a run will do.
type planned struct {
	servers     []servers.Server
	scenarios   []namedScenario
	sweep, duet bool
	reference   string // the duet's reference server
	// duetWorkload is the scenario whose arrivals and stream the duet takes (--duet-workload);
	// nil: evenly spaced arrivals of the stub's default stream.
	duetWorkload *namedScenario
}

// plan resolves the servers and scenarios, failing early on unknown names or a bad scenario
// file; "sweep" and "duet" are not scenarios of the file but ask for the sweep after the
// trials and the side-by-side procedure before them.
func plan(cfg Config) (planned, error) {
	var p planned
	all, err := servers.Load(cfg.ServersFile)
	if err != nil {
		return p, err
	}
	if p.servers, err = servers.Select(all, cfg.Servers); err != nil {
		return p, err
	}
	file, err := load.ReadScenarioFile(cfg.ScenariosFile)
	if err != nil {
		return p, err
	}
	for _, name := range withControls(cfg.Scenarios) {
		switch name {
		case SweepName:
			p.sweep = true
			continue
		case DuetName:
			p.duet = true
			continue
		}
		n, ok := file.Get(name)
		if !ok {
			return p, fmt.Errorf("scenario %q is not in %s (nor %q, the sweep, or %q, side by side)", name, cfg.ScenariosFile, SweepName, DuetName)
		}
		if cfg.Quick {
			n = n.Quick(cfg.QuickFactor)
		}
		// Refused here, before any server starts, rather than halfway through the run.
		if err := load.CheckFileLimit(n.Scenario, nil, n.Clients); err != nil {
			return p, fmt.Errorf("scenario %s: %w", name, err)
		}
		slo := cfg.SLO
		if n.SLO != nil {
			slo = *n.SLO
		}
		p.scenarios = append(p.scenarios, namedScenario{Name: name, Scenario: n.Scenario, Stream: n.Stream, Clients: n.Clients, SLO: slo})
	}
	if p.duet {
		if p.reference, err = duetReference(p.servers, cfg.Duet); err != nil {
			return p, err
		}
		if p.duetWorkload, err = duetWorkload(cfg, file); err != nil {
			return p, err
		}
	}
	return p, nil
}

// withControls is names with each scenario's control (catalog.ScenarioTable.Control) run
// just before it, unless the list names the control itself.
func withControls(names []string) []string {
	var out []string
	for _, name := range names {
		st, ok := catalog.ScenarioTableOf(name)
		if ok && st.Control != "" && !slices.Contains(names, st.Control) {
			out = append(out, st.Control)
		}
		out = append(out, name)
	}
	return out
}

type namedScenario struct {
	Name     string
	Scenario load.Scenario
	Stream   load.StreamShape // the stub's shape the scenario asks for; zero: the stub's default
	Clients  load.Clients     // the misbehaving clients it runs beside the others; zero: none
	SLO      load.SLO         // its streams' goodput is judged by: the scenario's own ("slo"), else --slo
}

// headers are what every request of sc to tg carries: the scenario's stream shape, then
// tg's (--header, the server's own), so that a --header X-Stub-Tokens says the last word.
func (sc namedScenario) headers(tg target) http.Header {
	h := sc.Stream.Headers()
	for k, vs := range tg.headers {
		h[k] = vs
	}
	return h
}

// runServer builds, starts and measures one server in every scenario.
// A server that dies in a scenario is skipped from then on, with its exit status; the
// other servers go on.
func runServer(ctx context.Context, st *stack, srv servers.Server, scenarios []namedScenario, at position, progress *Progress) ([]Measured, *Skipped) {
	var died *Skipped
	ms, skip := withServer(ctx, st, srv, at, progress, func(tg target) []Measured {
		if st.cfg.WarmUp > 0 {
			progress.Logf("%s %s: warming up for %s", at, srv.Name, st.cfg.WarmUp)
			warmUp(ctx, tg, warmUpVUs(st.cfg.WarmUp))
		}
		ms, why := measureScenarios(ctx, st, srv.Name, tg, scenarios, at, progress)
		if why != "" {
			died = &Skipped{Server: srv.Name, Reason: why}
		}
		return ms
	})
	if skip == nil {
		skip = died
	}
	return ms, skip
}

// withServer builds and starts srv, waits until it is healthy and watched, calls measure
// with its target, and stops it. The reference (direct) has nothing to build or start: its
// target is the stub itself, and its PID is not ours to reset (-1); nor has an external
// gateway, which runs at its URL.
func withServer(ctx context.Context, st *stack, srv servers.Server, at position, progress *Progress, measure func(tg target) []Measured) ([]Measured, *Skipped) {
	switch {
	case srv.Name == directServer.Name:
		return measure(target{url: st.stub.URL(), pid: -1, headers: st.headersFor(srv)}), nil
	case srv.External():
		if err := checkExternal(ctx, srv, st.headersFor(srv)); err != nil {
			progress.Logf("%s %s: skipped: %v", at, srv.Name, err)
			return nil, &Skipped{Server: srv.Name, Reason: err.Error()}
		}
		st.probeServer(srv, srv.URL)
		defer st.unwatchServer(srv.Name)
		return measure(target{url: srv.URL, pid: -1, headers: st.headersFor(srv)}), nil
	}
	progress.Logf("%s %s: building", at, srv.Name)
	buildLog := st.logWriter("build-" + srv.Name + ".log")
	if err := srv.BuildIt(ctx, st.cfg.Root, buildLog); err != nil {
		progress.Logf("%s %s: skipped: %v", at, srv.Name, err)
		return nil, &Skipped{Server: srv.Name, Reason: "build failed: " + err.Error()}
	}
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	proc, err := servers.Start(startCtx, st.cfg.Root, srv, servers.StartOptions{StubURL: st.stub.URL(),
		Stderr: st.logWriter("server-" + srv.Name + ".log")})
	if err != nil {
		progress.Logf("%s %s: skipped: %v", at, srv.Name, err)
		return nil, &Skipped{Server: srv.Name, Reason: "start failed: " + err.Error()}
	}
	// Its own cgroup, with the workers it has forked: the exporter reads the whole server's
	// CPU from it, exactly, as the duet does.
	meter, err := cputime.Attach(srv.Name, proc.PID())
	if err != nil {
		st.cfg.Logger.Warn("cpu meter", "server", srv.Name, "err", err)
	}
	defer func() {
		st.unwatchServer(srv.Name)
		stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := proc.Stop(stopCtx); err != nil {
			progress.Logf("%s %s: warning: stop: %v", at, srv.Name, err)
		}
		if meter != nil {
			_ = meter.Close()
		}
	}()
	st.watchServer(ctx, srv, proc)
	if err := st.waitWatched(ctx, srv.Name); err != nil {
		progress.Logf("%s %s: warning: %v; its CPU and memory may be missing", at, srv.Name, err)
	}
	return measure(target{url: proc.URL(), pid: proc.PID(), headers: st.headersFor(srv), proc: proc}), nil
}

// measureScenarios runs every scenario against tg, resetting the peak RSS of its process
// (when it has one) before each, so that each scenario's peak is its own.
// It stops at a scenario the server's process did not survive, and says how it ended.
func measureScenarios(ctx context.Context, st *stack, server string, tg target, scenarios []namedScenario, at position, progress *Progress) ([]Measured, string) {
	var out []Measured
	for _, sc := range scenarios {
		if ctx.Err() != nil {
			break
		}
		if tg.pid > 0 {
			resetPeakRSS(proctree.Children("/proc"), tg.pid)
		}
		m := runScenario(ctx, st, server, tg, sc, at, progress)
		out = append(out, m)
		progress.Done()
		progress.Logf("%s %s %s: %s", at, server, sc.Name, describe(m))
		if how, ok := tg.exited(); ok {
			why := fmt.Sprintf("the server exited during the %s scenario: %s", sc.Name, how)
			progress.Logf("%s %s: %s", at, server, why)
			return out, why
		}
		if table, ok := catalog.ScenarioTableOf(sc.Name); ok && table.Settle > 0 {
			progress.Logf("%s %s %s: keeping the server up %s for what the scenario left behind", at, server, sc.Name, table.Settle)
			sleepCtx(ctx, table.Settle)
		}
	}
	return out, ""
}

// runScenario runs one load run, pushed to the run's Prometheus (loadrun, the flow
// `ssebench load` makes too).
func runScenario(ctx context.Context, st *stack, server string, tg target, sc namedScenario, at position, progress *Progress) Measured {
	m := Measured{Trial: at.Trial, TestID: at.TestID, Server: server, Scenario: sc.Name, Start: time.Now()}
	lr, err := loadrun.New(loadrun.Options{
		Load: load.Options{Target: tg.url, TestID: at.TestID, Server: server, ScenarioName: sc.Name,
			Scenario: sc.Scenario, Headers: sc.headers(tg), Clients: sc.Clients, SLO: sc.SLO, Logger: st.cfg.Logger},
		Push: st.pushConfig(server + " " + sc.Name),
		Progress: func(p load.Progress, dropped int64) {
			progress.Update(at.status(p, server, sc.Name).WithDropped(dropped))
		},
		Ended: func(*load.Summary, error) { m.End = time.Now() },
	})
	if err != nil {
		m.Error = err.Error()
		return m
	}
	res := lr.Run(ctx)
	m.Summary, m.Push = res.Summary, res.Push
	if res.Err != nil && !errors.Is(res.Err, context.Canceled) {
		m.Error = res.Err.Error()
	}
	if res.PushErr != nil && m.Error == "" {
		m.Error = "remote write: " + res.PushErr.Error()
	}
	return m
}

// resetPeakRSS clears the kernel's high-water mark of resident memory (VmHWM) of the server's
// process and the processes below it (nginx's workers) so that the
// exporter's peak covers this scenario only. Writing 5 to clear_refs is the documented way;
// where it is not permitted, the peak covers the process's whole life, which the report says.
// tree is proctree.Children("/proc"), read once for every server reset together.
func resetPeakRSS(tree map[int][]int, pid int) {
	for _, p := range append([]int{pid}, proctree.Below(tree, pid)...) {
		_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p), []byte("5"), 0)
	}
}

// ran says whether the run measured scenario on any server.
func (out *Outcome) ran(scenario string) bool {
	for _, m := range out.Measured {
		if m.Scenario == scenario {
			return true
		}
	}
	return false
}

// Efficiency is the cost table, when the efficiency scenario ran; else nil.
func (out *Outcome) Efficiency() *results.Table {
	return results.ScenarioTable(out.Tables, catalog.ScenarioEfficiency)
}

// directServer is the reference: the load sent straight to the stub, no proxy in front.
var directServer = servers.Server{Name: results.Reference, Runtime: "none", Framework: "stub alone (reference)"}

func referenceNote(cfg Config) string {
	if cfg.Reference {
		return " + the direct reference"
	}
	return ""
}

func quickNote(cfg Config) string {
	if cfg.Quick {
		return fmt.Sprintf(" (quick: durations × %g)", cfg.QuickFactor)
	}
	return ""
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// bunBinaries are the commands of the Bun servers among list, which run on the Bun of
// their own node_modules.
func bunBinaries(list []servers.Server) []string {
	var out []string
	for _, s := range list {
		if strings.EqualFold(s.Runtime, "Bun") && len(s.Command) > 0 && filepath.Base(s.Command[0]) == "bun" {
			out = append(out, s.Command[0])
		}
	}
	return out
}
