package runner

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/procfs"

	"github.com/ssebench/ssebench/internal/cputime"
	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/proctree"
	"github.com/ssebench/ssebench/internal/servers"
)

// instance is one server running in the duet: its process, its URL and its CPU meter.
// direct has no process of its own: its target is the stub.
type instance struct {
	name    string
	url     string
	headers http.Header    // what every request carries (--header, the server's own)
	proc    *proc.Process  // nil for direct and an external gateway
	meter   *cputime.Meter // nil when the process has none
	died    string         // why it stopped measuring, once it did
}

// cpuSeconds is the instance's CPU so far; NaN when it has no meter.
func (in *instance) cpuSeconds() float64 {
	return meterSeconds(in.meter)
}

func meterSeconds(m *cputime.Meter) float64 {
	if m == nil {
		return math.NaN()
	}
	d, err := m.Usage()
	if err != nil {
		return math.NaN()
	}
	return d.Seconds()
}

// exited reports, once, that the process has ended, with its status.
func (in *instance) exited() (string, bool) {
	if in.proc == nil || in.died != "" {
		return "", false
	}
	select {
	case <-in.proc.Done():
		in.died = fmt.Sprintf("exited during the duet: %v; last output: %s", in.proc.Stop(context.Background()), in.proc.Tail(5))
		return in.died, true
	default:
		return "", false
	}
}

// startInstance builds and starts srv under name (the A/A twin is the reference under
// another name) and puts it under a CPU meter at once, so that its threads and children
// from the start on are counted, exited ones included.
func startInstance(ctx context.Context, st *stack, srv servers.Server, name string) (*instance, error) {
	if err := srv.BuildIt(ctx, st.cfg.Root, st.logWriter("build-"+srv.Name+".log")); err != nil {
		return nil, fmt.Errorf("build failed: %w", err)
	}
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	run := srv
	run.Name = name
	p, err := servers.Start(startCtx, st.cfg.Root, run, servers.StartOptions{StubURL: st.stub.URL(),
		Stderr: st.logWriter("server-" + name + ".log")})
	if err != nil {
		return nil, fmt.Errorf("start failed: %w", err)
	}
	in := &instance{name: name, url: p.URL(), headers: st.headersFor(srv), proc: p}
	if in.meter, err = cputime.Attach(name, p.PID()); err != nil {
		st.cfg.Logger.Warn("cpu meter", "server", name, "err", err)
	}
	return in, nil
}

// stop ends the instance's process and releases its meter.
func (in *instance) stop() error {
	if in.meter != nil {
		_ = in.meter.Close()
	}
	if in.proc == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return in.proc.Stop(ctx)
}

// peakRSSBytes is the resident high-water mark since resetPeakRSS (VmHWM) of pid and the
// processes below it in tree (nginx's workers), as the exporter sums them; NaN when pid's is
// unknown.
func peakRSSBytes(tree map[int][]int, pid int) float64 {
	sum := math.NaN()
	for i, p := range append([]int{pid}, proctree.Below(tree, pid)...) {
		proc, err := procfs.NewProc(p)
		if err != nil {
			continue
		}
		st, err := proc.NewStatus()
		if err != nil {
			continue
		}
		if i == 0 {
			sum = 0
		}
		sum += float64(st.VmHWM)
	}
	return sum
}

// startAll starts direct, every available server of list and the reference's twin, skipping
// (with the reason) any that cannot build or start. It reports whether two or more servers
// run, enough to compare.
func (d *duetRun) startAll(ctx context.Context, list []servers.Server, out *Outcome) bool {
	if m, err := cputime.Attach("stub", d.st.stub.PID()); err == nil {
		d.stub = m
	}
	if d.st.cfg.Reference {
		d.instances = append(d.instances, &instance{name: directServer.Name, url: d.st.stub.URL(), headers: d.st.headersFor(directServer)})
	}
	for _, srv := range duetList(list, d.cfg) {
		if ctx.Err() != nil {
			return false
		}
		name := srv.Name
		if srv.Name == d.cfg.Reference && d.has(name) {
			name += AASuffix
		}
		if srv.Unavailable != "" {
			out.Skipped = append(out.Skipped, Skipped{Server: name, Reason: srv.Unavailable})
			continue
		}
		if srv.External() {
			if err := checkExternal(ctx, srv, d.st.headersFor(srv)); err != nil {
				d.progress.Logf("duet %s: skipped: %v", name, err)
				out.Skipped = append(out.Skipped, Skipped{Server: name, Reason: err.Error()})
				continue
			}
			d.instances = append(d.instances, &instance{name: name, url: srv.URL, headers: d.st.headersFor(srv)})
			continue
		}
		d.progress.Logf("duet: building and starting %s", name)
		in, err := startInstance(ctx, d.st, srv, name)
		if err != nil {
			d.progress.Logf("duet %s: skipped: %v", name, err)
			out.Skipped = append(out.Skipped, Skipped{Server: name, Reason: err.Error()})
			continue
		}
		d.instances = append(d.instances, in)
		if d.st.exporter != nil {
			if err := d.st.exporter.watch(ctx, name, port(in.proc)); err != nil {
				d.st.cfg.Logger.Warn("exporter targets", "server", name, "err", err)
			}
		}
	}
	if !d.has(d.cfg.Reference) {
		d.progress.Logf("duet: the reference %s could not start; nothing to divide by", d.cfg.Reference)
		return false
	}
	return d.measurable() >= 2
}

// duetList is the servers to start: the list, and the reference once more as the A/A control.
func duetList(list []servers.Server, cfg DuetConfig) []servers.Server {
	out := slices.Clone(list)
	if cfg.NoAA {
		return out
	}
	for _, s := range list {
		if s.Name == cfg.Reference {
			out = append(out, s)
		}
	}
	return out
}

func (d *duetRun) has(name string) bool {
	for _, in := range d.instances {
		if in.name == name {
			return true
		}
	}
	return false
}
