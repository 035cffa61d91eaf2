package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/ssebench/ssebench/internal/stubrun"
)

// fixedRateScenario is bench/scenarios.json's copy of the efficiency scenario (300 streams/s,
// constant arrival rate), shortened to 15 s.
const fixedRateScenario = "fixed"

// fixedRate measures what a stream costs at a rate every server sustains, where the stub's
// idle wake-ups, not its writes, used to dominate: the stub alone with --procs auto and with
// every CPU (the stub's behaviour before auto), then each proxy behind the auto stub. The
// variants alternate within each round so that drift hits them alike.
func (e env) fixedRate(ctx context.Context, rounds int, autoPID int, proxies []string) error {
	allProcs := strconv.Itoa(runtime.NumCPU())
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	fixed, err := stubrun.Start(sctx, filepath.Join(e.root, "bin", "stub"), []string{"--procs", allProcs}, nil)
	cancel()
	if err != nil {
		return err
	}
	defer fixed.Stop(context.Background())

	fmt.Printf("CPU per stream at a fixed 300 streams/s (the efficiency scenario, 15 s), %d rounds\n", rounds)
	stubVariants := []struct {
		name, url string
		pid       int
	}{{"stub --procs auto", e.stubURL, autoPID}, {"stub --procs " + allProcs, fixed.URL(), fixed.PID()}}
	cost := map[string][]float64{}
	for i := 0; i < rounds; i++ {
		for _, v := range stubVariants {
			before := processCPU(v.pid)
			m, err := e.ssebenchLoad(ctx, v.url, fixedRateScenario)
			if err != nil {
				return err
			}
			cost[v.name] = append(cost[v.name], microsPerStream(processCPU(v.pid)-before, m.streams))
		}
		for _, name := range proxies {
			r, err := e.throughProxy(ctx, name, autoPID, func(url string) (measured, error) {
				return e.ssebenchLoad(ctx, url, fixedRateScenario)
			})
			if err != nil {
				return err
			}
			cost[name] = append(cost[name], microsPerStream(r.proxyCPU, r.streams))
		}
	}
	for _, v := range stubVariants {
		fmt.Printf("  %-22s %s µs CPU per stream\n", v.name, spread(cost[v.name]))
	}
	cheapest := ""
	for _, name := range proxies {
		fmt.Printf("  %-22s %s µs CPU per stream (proxy)\n", name, spread(cost[name]))
		if cheapest == "" || median(cost[name]) < median(cost[cheapest]) {
			cheapest = name
		}
	}
	auto := stubVariants[0].name
	fmt.Printf("  stub/cheapest proxy (%s): %.2f× with --procs auto (goal ≤ 0.5×), %.2f× with --procs %s\n",
		cheapest, median(cost[auto])/median(cost[cheapest]), median(cost[stubVariants[1].name])/median(cost[cheapest]), allProcs)
	return nil
}

func microsPerStream(cpu time.Duration, streams int64) float64 {
	return float64(cpu.Microseconds()) / float64(streams)
}

// spread is "median [min, max] (n)", so that every figure says how many runs it rests on.
func spread(xs []float64) string {
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return fmt.Sprintf("%5.0f [%.0f, %.0f] (n=%d)", median(xs), lo, hi, len(xs))
}
