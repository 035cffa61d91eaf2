// Command loadcost measures ssebench itself, side by side in one run:
//
//  1. the load generator's cost: CPU seconds per 1,000 streams of `ssebench load` against
//     the stub directly, beside wrk at the same connection count (goal: at most 1.5× wrk);
//  2. the stub's headroom: direct-to-stub throughput at 200 VUs against the fastest Go
//     proxy's (goal: at least 2×, so that the stub is never what is measured);
//  3. the stub's CPU per stream at the efficiency scenario's fixed rate against the cheapest
//     proxy's at the same rate (goal: at most 0.5×), with --procs auto and with every CPU.
//
// Each measurement is repeated (-rounds) alternating the contenders, and medians are printed.
// Run it with `make bench-load`; it needs bin/ssebench, bin/stub, the Go servers and wrk.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/procfs"

	"github.com/ssebench/ssebench/internal/repo"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/stubrun"
)

func main() {
	rounds := flag.Int("rounds", 3, "repetitions of each measurement")
	list := flag.String("servers", "", "servers measured (comma-separated, from servers.yaml; default: its hand-written Go relays)")
	flag.Parse()
	if err := run(*rounds, *list); err != nil {
		fmt.Fprintln(os.Stderr, "loadcost:", err)
		os.Exit(1)
	}
}

// proxyNames is the servers named in list, or servers.yaml's hand-written Go relays (built
// under servers/, not a gateway from .tools/) when list is empty.
func proxyNames(root, list string) ([]string, error) {
	if list != "" {
		return strings.Split(list, ","), nil
	}
	all, err := servers.Load(filepath.Join(root, servers.RegistryPath))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range all {
		if s.Runtime == "Go" && !s.Optional && s.Unavailable == "" && strings.HasPrefix(s.Build, "make") && strings.HasPrefix(s.Command[0], "servers/") {
			names = append(names, s.Name)
		}
	}
	return names, nil
}

type env struct {
	root    string
	stubURL string
}

func run(rounds int, list string) error {
	root, err := repo.FindRoot()
	if err != nil {
		return err
	}
	proxies, err := proxyNames(root, list)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk is not installed (apt-get install wrk; `make bench-load` does it)")
	}
	ctx := context.Background()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	stub, err := stubrun.Start(sctx, filepath.Join(root, "bin", "stub"), nil, nil)
	cancel()
	if err != nil {
		return err
	}
	defer stub.Stop(context.Background())
	stubURL := stub.URL()
	e := env{root: root, stubURL: stubURL}

	fmt.Printf("load generator cost against the stub (%s), 50 connections, 10 s, %d rounds\n", stubURL, rounds)
	var ours, theirs []float64
	for i := 0; i < rounds; i++ {
		o, err := e.ssebenchLoad(ctx, stubURL, "cost")
		if err != nil {
			return err
		}
		w, err := e.wrk(ctx, stubURL, 50)
		if err != nil {
			return err
		}
		fmt.Printf("  round %d: ssebench load %.3f CPU·s/1000 streams (%d streams), wrk %.3f CPU·s/1000 streams (%d streams)\n",
			i+1, o.perThousand(), o.streams, w.perThousand(), w.streams)
		ours, theirs = append(ours, o.perThousand()), append(theirs, w.perThousand())
	}
	fmt.Printf("  median: ssebench load %.3f, wrk %.3f CPU·s per 1000 streams → ratio %.2f× (goal ≤ 1.5×)\n\n",
		median(ours), median(theirs), median(ours)/median(theirs))

	// wrk drives the headroom comparison: it is the cheapest client, so on a 2-core machine
	// it leaves the most CPU to what is measured, the stub or the proxy.
	fmt.Printf("stub headroom with wrk at 200 connections, 10 s, %d rounds\n", rounds)
	best, cost := map[string][]float64{}, map[string][]float64{}
	for i := 0; i < rounds; i++ {
		direct, err := e.wrk(ctx, stubURL, 200)
		if err != nil {
			return err
		}
		best["stub (direct)"] = append(best["stub (direct)"], direct.rate)
		for _, name := range proxies {
			r, err := e.throughProxy(ctx, name, stub.PID(), func(url string) (measured, error) { return e.wrk(ctx, url, 200) })
			if err != nil {
				return err
			}
			best[name] = append(best[name], r.rate)
			cost[name] = append(cost[name], r.proxyCPU.Seconds()/float64(r.streams)*1000)
			cost[name+"/stub"] = append(cost[name+"/stub"], r.stubCPU.Seconds()/float64(r.streams)*1000)
		}
	}
	fastest, fastestRate := "", 0.0
	for _, name := range proxies {
		if m := median(best[name]); m > fastestRate {
			fastest, fastestRate = name, m
		}
		fmt.Printf("  %-14s median %.0f req/s   proxy %.3f CPU·s/1000 streams, stub behind it %.3f\n",
			name, median(best[name]), median(cost[name]), median(cost[name+"/stub"]))
	}
	stubRate := median(best["stub (direct)"])
	fmt.Printf("  %-14s median %.0f req/s\n", "stub (direct)", stubRate)
	fmt.Printf("  throughput headroom: stub %.0f / %s %.0f = %.2f×\n", stubRate, fastest, fastestRate, stubRate/fastestRate)
	cheapest := fastest
	for _, name := range proxies {
		if median(cost[name]) < median(cost[cheapest]) {
			cheapest = name
		}
	}
	fmt.Printf("  CPU headroom: the cheapest proxy (%s) spends %.2f× the stub's CPU per stream (goal ≥ 2×)\n",
		cheapest, median(cost[cheapest])/median(cost[cheapest+"/stub"]))
	fmt.Println("  (on 2 cores the client, stub and proxy share the CPU, so the throughput ratio is capped near" +
		" (client+stub+proxy)/(client+stub); the CPU ratio says how far the stub could go on its own)")
	fmt.Println()
	return e.fixedRate(ctx, rounds, stub.PID(), proxies)
}

type measured struct {
	cpu     time.Duration
	streams int64
	rate    float64
}

func (m measured) perThousand() float64 { return m.cpu.Seconds() / float64(m.streams) * 1000 }

func (e env) ssebenchLoad(ctx context.Context, target, scenario string) (measured, error) {
	summary := filepath.Join(os.TempDir(), fmt.Sprintf("loadcost-%d.json", os.Getpid()))
	defer os.Remove(summary)
	cmd := exec.CommandContext(ctx, filepath.Join(e.root, "bin", "ssebench"), "load", "--target", target,
		"--scenarios-file", filepath.Join(e.root, "bench", "scenarios.json"), "--scenario", scenario,
		"--server", "loadcost", "--summary-json", summary)
	if out, err := cmd.CombinedOutput(); err != nil {
		return measured{}, fmt.Errorf("ssebench load: %w\n%s", err, out)
	}
	var s struct {
		Requests int64   `json:"http_reqs"`
		Rate     float64 `json:"http_reqs_per_second"`
		Failed   int64   `json:"http_req_failed"`
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		return measured{}, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return measured{}, fmt.Errorf("summary JSON: %w", err)
	}
	if s.Failed > 0 {
		return measured{}, fmt.Errorf("ssebench load against %s: %d failed requests", target, s.Failed)
	}
	return measured{cpu: cpuOf(cmd.ProcessState), streams: s.Requests, rate: s.Rate}, nil
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkErrors   = regexp.MustCompile(`Non-2xx or 3xx responses|Socket errors: connect [1-9]|read [1-9]|write [1-9]`)
)

func (e env) wrk(ctx context.Context, target string, conns int) (measured, error) {
	cmd := exec.CommandContext(ctx, "wrk", "-t2", "-c"+strconv.Itoa(conns), "-d10s", "--timeout", "10s",
		"-s", filepath.Join(e.root, "bench", "wrk-post.lua"), target+"/v1/chat/completions")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return measured{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	m := wrkRequests.FindSubmatch(out)
	if m == nil {
		return measured{}, fmt.Errorf("wrk printed no request count:\n%s", out)
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	if bad := wrkErrors.FindSubmatch(out); bad != nil {
		return measured{}, fmt.Errorf("wrk against %s: non-2xx responses or socket errors:\n%s", target, out)
	}
	return measured{cpu: cpuOf(cmd.ProcessState), streams: n, rate: float64(n) / 10}, nil
}

type proxied struct {
	rate              float64
	streams           int64
	proxyCPU, stubCPU time.Duration
}

// throughProxy starts the named server in front of the stub and drives it; the CPU both
// spent meanwhile is read from /proc.
func (e env) throughProxy(ctx context.Context, name string, stubPID int, drive func(url string) (measured, error)) (proxied, error) {
	all, err := servers.Load(filepath.Join(e.root, servers.RegistryPath))
	if err != nil {
		return proxied{}, err
	}
	list, err := servers.Select(all, []string{name})
	if err != nil {
		return proxied{}, err
	}
	if err := list[0].BuildIt(ctx, e.root, nil); err != nil {
		return proxied{}, err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	proc, err := servers.Start(sctx, e.root, list[0], servers.StartOptions{StubURL: e.stubURL})
	cancel()
	if err != nil {
		return proxied{}, err
	}
	url := proc.URL()
	defer proc.Stop(context.Background())
	proxyBefore, stubBefore := processCPU(proc.PID()), processCPU(stubPID)
	m, err := drive(url)
	if err != nil {
		return proxied{}, err
	}
	return proxied{rate: m.rate, streams: m.streams,
		proxyCPU: processCPU(proc.PID()) - proxyBefore, stubCPU: processCPU(stubPID) - stubBefore}, nil
}

// processCPU is a live process's user+system CPU time so far.
func processCPU(pid int) time.Duration {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return 0
	}
	st, err := p.Stat()
	if err != nil {
		return 0
	}
	return time.Duration(st.CPUTime() * float64(time.Second))
}

func cpuOf(ps *os.ProcessState) time.Duration {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return ps.UserTime() + ps.SystemTime()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
