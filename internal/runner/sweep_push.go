package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/metricname"
)

// pushSweep stores the sweep's verdict in Prometheus (catalog/sweep.go says how it is read
// back): each server's capacity with its limit, and the SLO's bound. The sweep's window is
// stretched to cover the push.
func pushSweep(st *stack, sw *SweepOutcome) error {
	reg := prometheus.NewRegistry()
	capacity := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricname.SweepCapacity,
		Help: "The highest offered rate within the SLO, as the sweep judged it."}, []string{"testid", "server", catalog.SweepLimitLabel})
	bound := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricname.SweepSLOBound,
		Help: "The second rule's bound: the p99 TTFT every step was judged by."}, []string{"testid"})
	capacityTTFT := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricname.SweepCapacityTTFT,
		Help: "The highest offered rate within the second rule (p99 TTFT), as the sweep judged it."}, []string{"testid", "server"})
	target := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricname.SweepGoodputTarget,
		Help: "The sweep's SLO: the share of streams that must meet the per-stream SLO."}, []string{"testid"})
	reg.MustRegister(capacity, bound, capacityTTFT, target)
	for _, r := range sw.Results {
		capacity.WithLabelValues(sw.TestID, r.Server, r.Limit).Set(float64(r.Capacity))
		capacityTTFT.WithLabelValues(sw.TestID, r.Server).Set(float64(r.CapacityTTFT))
	}
	bound.WithLabelValues(sw.TestID).Set(sw.TTFTBoundMs / 1000)
	target.WithLabelValues(sw.TestID).Set(sw.GoodputTarget)
	if err := pushOnce(st, reg, "sweep", "the sweep's verdict"); err != nil {
		return err
	}
	if now := time.Now(); now.After(sw.Window.End) {
		sw.Window.End = now
	}
	return nil
}

// pushOnce sends what reg holds to Prometheus once and waits, a minute at most, until it has
// landed; what names the series in the error.
func pushOnce(st *stack, reg *prometheus.Registry, name, what string) error {
	p, err := st.newPusher(reg, name)
	if err != nil {
		return err
	}
	p.Start(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.Stop(ctx); err != nil {
		return fmt.Errorf("storing %s: %w", what, err)
	}
	return nil
}
