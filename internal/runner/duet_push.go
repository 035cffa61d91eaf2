package runner

import (
	"math"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/duet"
	"github.com/ssebench/ssebench/internal/metricname"
)

// pushDuet stores every counted round's figures in Prometheus (catalog/duet.go says how they
// are read back), so that the verdict can be redrawn from stored data. The run's window is
// stretched to cover the push.
func pushDuet(st *stack, res *DuetOutcome) error {
	reg := prometheus.NewRegistry()
	labels := []string{"testid", "server", catalog.DuetRoleLabel, catalog.DuetRoundLabel}
	cpu := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricname.DuetCPUPerStream,
		Help: "CPU seconds per completed stream of one side-by-side round (counted rounds only)."}, labels)
	rss := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricname.DuetPeakRSS,
		Help: "Peak resident memory of one side-by-side round (counted rounds only)."}, labels)
	// k6's own gauge of the most VUs, as every load run pushes it: it lists the duet's testid
	// and servers in the dashboards' variables.
	vusMax := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricname.K6VUsMax, Help: "The most VUs of any round."},
		[]string{"testid", "server", "scenario"})
	reg.MustRegister(cpu, rss, vusMax)
	most := map[string]int{}
	for _, r := range res.Rounds {
		for name, s := range r.Samples {
			most[name] = max(most[name], s.VUsMax)
			if s.Saturated != "" {
				continue
			}
			l := prometheus.Labels{"testid": res.TestID, "server": name, catalog.DuetRoleLabel: duetRole(res.Verdict, name),
				catalog.DuetRoundLabel: strconv.Itoa(r.Number)}
			setFinite(cpu, l, s.CPUPerStream()/1e6)
			setFinite(rss, l, s.PeakRSSBytes)
		}
	}
	for name, n := range most {
		vusMax.WithLabelValues(res.TestID, name, DuetName).Set(float64(n))
	}
	if err := pushOnce(st, reg, "duet", "the side-by-side rounds"); err != nil {
		return err
	}
	res.Window.End = time.Now()
	return nil
}

// duetRole is the role label of a server's series.
func duetRole(v duet.Verdict, server string) string {
	switch server {
	case v.Reference:
		return catalog.DuetRoleReference
	case v.AA:
		return catalog.DuetRoleAA
	}
	return catalog.DuetRoleServer
}

// setFinite sets the series only for a measured value: a child made by With would read 0.
func setFinite(g *prometheus.GaugeVec, l prometheus.Labels, v float64) {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		g.With(l).Set(v)
	}
}
