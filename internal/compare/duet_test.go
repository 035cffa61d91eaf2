package compare

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/run"
)

// pushDuet stores 12 side-by-side rounds of run id as the runner does: the reference, a
// server at ratio "same" and one at ratio "dear", under a 10 % drift shared by the round
// and 1 % noise of each server's own.
func pushDuet(t *testing.T, writeURL, id string, same, dear float64, seed uint64) {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metricname.DuetCPUPerStream, Help: "h"},
		[]string{"testid", "server", catalog.DuetRoleLabel, catalog.DuetRoundLabel})
	reg.MustRegister(g)
	rng := rand.New(rand.NewPCG(seed, 1))
	for r := 1; r <= 12; r++ {
		drift := 1e-3 * math.Exp(0.1*rng.NormFloat64())
		for _, s := range []struct {
			server, role string
			ratio        float64
		}{{"ref", catalog.DuetRoleReference, 1}, {"same", catalog.DuetRoleServer, same}, {"dear", catalog.DuetRoleServer, dear}} {
			g.WithLabelValues(run.DuetTestID(id), s.server, s.role, strconv.Itoa(r)).Set(drift * s.ratio * math.Exp(0.01*rng.NormFloat64()))
		}
	}
	p, err := remotewrite.New(remotewrite.Config{URL: writeURL, Interval: time.Second}, reg)
	if err != nil {
		t.Fatal(err)
	}
	p.Start(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// Two runs of the side-by-side procedure alone: compare judges each server's ratio by the
// rounds' spread, so a 5 % dearer server is a significant regression while one whose ratio
// did not move is not, whatever the machine's drift did to both runs.
func TestDuetRatiosAreCompared(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes side-by-side rounds into a real Prometheus")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	prom := startProm(ctx, t)
	pushDuet(t, prom.RemoteWriteURL(), "before", 1.10, 1.30, 1)
	pushDuet(t, prom.RemoteWriteURL(), "after", 1.10, 1.365, 2)
	q, err := run.NewQuerier(prom.URL())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Compare(ctx, Options{Querier: q, Candidate: "after", Baseline: []string{"before"}, Lookback: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string]Cell{}
	for _, r := range rep.Rows {
		if r.Scenario == DuetScenario {
			cells[r.Server] = r.Cells[0]
		}
	}
	if c := cells["dear"]; !c.Regression(0.02) || math.Abs(c.Delta-0.05) > 0.01 || c.Trials != [2]int{12, 12} {
		t.Errorf("dear: %+v, want a significant regression of about +5 %% over 12 rounds each", c)
	}
	if c := cells["same"]; c.Significant {
		t.Errorf("same: %+v, want no significant change", c)
	}
	if _, ok := cells["ref"]; ok {
		t.Error("the reference compared with itself")
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "cpu ×ref") {
		t.Errorf("the text report lacks the side-by-side rows:\n%s", text.String())
	}
}
