package catalog

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/duet"
	"github.com/ssebench/ssebench/internal/metricname"
)

// Side-by-side rounds pushed as the runner pushes them, to a real Prometheus: the catalog's
// ratios, intervals and round counts equal what internal/duet.Judge computes in-process,
// a saturated round (not pushed) drops out of both, and another run's rounds do not mix in.
func TestDuetQueriesEvaluateToTheInProcessVerdict(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	p := startProm(t)
	names := []string{"ref", "ref-aa", "dear"}
	roles := map[string]string{"ref": DuetRoleReference, "ref-aa": DuetRoleAA, "dear": DuetRoleServer}
	rng := rand.New(rand.NewPCG(1, 2))
	const rounds = 12
	var rs []duet.Round
	for r := 1; r <= rounds; r++ {
		drift := math.Exp(rng.NormFloat64() * 0.1)
		round := duet.Round{Number: r, Samples: map[string]duet.Sample{}}
		for i, n := range names {
			cost := []float64{1000, 1000, 1300}[i] * drift * math.Exp(rng.NormFloat64()*0.02)
			s := duet.Sample{Server: n, Streams: 500, Offered: 500, CPUSeconds: cost * 500 / 1e6, PeakRSSBytes: float64(20+i) * (1 << 20) * drift}
			if n == "dear" && r == 4 {
				s.Saturated = "failures"
			}
			round.Samples[n] = s
		}
		rs = append(rs, round)
	}
	s := newSynthetic(time.Now().Add(-2 * time.Minute).Truncate(time.Second))
	for _, testid := range []string{"x-duet", "other-duet"} {
		for _, r := range rs {
			for _, n := range names {
				smp := r.Samples[n]
				if smp.Saturated != "" {
					continue
				}
				labels := []string{"testid", testid, "server", n, DuetRoleLabel, roles[n], DuetRoundLabel, fmt.Sprint(r.Number)}
				scale := 1.0
				if testid == "other-duet" {
					scale = 3
				}
				s.float(s.of(metricname.DuetCPUPerStream, labels...), 10+r.Number, scale*smp.CPUPerStream()/1e6)
				s.float(s.of(metricname.DuetPeakRSS, labels...), 10+r.Number, smp.PeakRSSBytes)
			}
		}
	}
	p.push(t, s.request())
	v := duet.Judge(rs, names, "ref", "ref-aa", "")
	at := s.base.Add(30 * time.Second)
	vars := Vars{TestID: "x-duet", Range: 40 * time.Second}
	byServer := func(m model.Metric) string { return string(m["server"]) }
	for _, c := range []struct {
		q    Query
		want func(duet.Row) float64
	}{
		{DuetCPURatio, func(r duet.Row) float64 { return r.CPU.Point }},
		{DuetCPURatioLo, func(r duet.Row) float64 { return r.CPU.Lo }},
		{DuetCPURatioHi, func(r duet.Row) float64 { return r.CPU.Hi }},
		{DuetMemoryRatio, func(r duet.Row) float64 { return r.Memory.Point }},
		{DuetRounds, func(r duet.Row) float64 { return float64(r.Rounds) }},
		{DuetCPUMicros, func(r duet.Row) float64 { return r.CPUMicros.Point }},
	} {
		expr, err := c.q.Render(vars)
		if err != nil {
			t.Fatal(err)
		}
		got := p.evaluateKeyed(t, expr, at, byServer)
		for _, n := range names {
			row, _ := v.Row(n)
			want := c.want(row)
			if n == "ref" && (c.q.Name == DuetCPURatioLo.Name || c.q.Name == DuetCPURatioHi.Name) {
				want = 1 // the reference's own ratio is exactly 1 every round: zero width
			}
			if g, ok := got[n]; !ok || math.Abs(g-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s %s: Prometheus %v (present %v), in-process %v", c.q.Name, n, g, ok, want)
			}
		}
	}
	if dear, _ := v.Row("dear"); dear.Rounds != rounds-1 {
		t.Errorf("dear counted %d rounds, want %d (one saturated)", dear.Rounds, rounds-1)
	}
}
