package report

import (
	"context"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/run"
)

// Sweep is a run's capacity under the SLO: the latency–throughput curve of every server
// (catalog sweep.* per step, from PromQL) and what the runner judged of it.
type Sweep struct {
	GoodputPercent float64         // the SLO: at least this share of a step's streams met the per-stream SLO; 0 for a sweep stored before goodput
	BoundMs        float64         // the second rule: p99 TTFT at most this
	Capacities     []SweepCapacity // one per server, in the order swept
	Curve          *results.Table  // one row per (server, step "sweep-<rate>")
}

// SweepCapacity is one server's verdict.
type SweepCapacity struct {
	Server   string
	Capacity int // streams/s within the SLO
	// CapacityTTFT is the capacity under the second rule (p99 TTFT); -1 when not stored.
	CapacityTTFT int
	Limit        string // proxy, harness or max rate
	Note         string
}

// curveChart draws p99 TTFT against the achieved rate, one line per server, with the SLO
// bound as a horizontal line: where a line crosses it is that server's capacity.
func curveChart(s *Sweep, pal palette) (template.HTML, error) {
	title := "Latency–throughput curve - p99 TTFT vs achieved rate (sweep)"
	if s == nil || s.Curve == nil || len(s.Curve.Rows) == 0 {
		return emptyChart(title)
	}
	p := newPlot(title, "p99 TTFT (ms)")
	p.X.Label.Text = "achieved rate (streams/s)"
	p.X.Tick.Marker = cleanTicks{}
	p.Y.Tick.Marker = cleanTicks{}
	byServer := map[string]plotter.XYs{}
	var order []string
	top, right := s.BoundMs, 0.0
	for _, r := range s.Curve.Rows {
		x, y := r.Value(catalog.ResultsReqPerSecond), r.Value(catalog.SweepTTFTP99)
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(y, 0) {
			continue
		}
		if _, ok := byServer[r.Server]; !ok {
			order = append(order, r.Server)
		}
		byServer[r.Server] = append(byServer[r.Server], plotter.XY{X: x, Y: y})
		right = math.Max(right, x)
	}
	for _, server := range order {
		xys := byServer[server]
		sort.Slice(xys, func(i, j int) bool { return xys[i].X < xys[j].X })
		for _, xy := range xys {
			top = math.Max(top, math.Min(xy.Y, 4*s.BoundMs)) // one saturated step must not flatten the rest
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return "", err
		}
		l.Color, pts.Color = pal.of(server), pal.of(server)
		l.Width = vg.Points(1.2)
		p.Add(l, pts)
		p.Legend.Add(server, l)
	}
	if s.BoundMs > 0 {
		slo := plotter.NewFunction(func(float64) float64 { return s.BoundMs })
		slo.Color = ink
		slo.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		slo.Width = vg.Points(0.8)
		p.Add(slo)
		p.Legend.Add("SLO", slo)
	}
	p.X.Min, p.X.Max = 0, right*1.05+1
	p.Y.Min, p.Y.Max = 0, top*1.3
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.ThumbnailWidth = vg.Points(14)
	return svg(p, fullW, chartH*1.3, title)
}

// sweepRows is the capacity table of the report.
func sweepRows(s *Sweep) []kv {
	if s == nil {
		return nil
	}
	var out []kv
	for _, c := range s.Capacities {
		v := strconv.Itoa(c.Capacity) + " streams/s (" + c.Limit + " limit)"
		if c.CapacityTTFT >= 0 {
			v += "; " + strconv.Itoa(c.CapacityTTFT) + " streams/s within the p99 TTFT rule"
		}
		if c.Note != "" {
			v += " — " + c.Note
		}
		out = append(out, kv{Name: c.Server, Value: strings.TrimSpace(v)})
	}
	return out
}

// verdictDelay is how long after the sweep's last load sample its verdict is looked for:
// the runner pushes it once the last step has settled.
const verdictDelay = 2 * time.Minute

// FetchSweep reads a run's sweep back from Prometheus: its curve, each server's capacity and
// limit, and the SLO's bound (catalog sweep.*), as the runner stored them. A run without a
// sweep gives nil.
func FetchSweep(ctx context.Context, q *run.Querier, id string, after time.Time) (*Sweep, error) {
	testid := run.SweepTestID(id)
	now := time.Now()
	w, err := q.Span(ctx, testid, now, now.Sub(after)+time.Hour)
	if err != nil {
		return nil, nil // no load samples under the sweep's testid: the run had no sweep
	}
	curve, err := results.FetchColumns(ctx, q, testid, w, catalog.SweepColumns, catalog.SweepReqPerSecond)
	if err != nil {
		return nil, err
	}
	at := w.End.Add(verdictDelay)
	if at.After(now) {
		at = now
	}
	vars := catalog.Vars{TestID: testid, Range: at.Sub(w.Start)}
	vec, err := q.Instant(ctx, catalog.SweepCapacity, vars, at)
	if err != nil {
		return nil, err
	}
	ttft, err := q.Instant(ctx, catalog.SweepCapacityTTFT, vars, at)
	if err != nil {
		return nil, err
	}
	ttftOf := map[string]int{}
	for _, smp := range ttft {
		ttftOf[string(smp.Metric[run.LabelServer])] = int(smp.Value)
	}
	s := &Sweep{Curve: curve}
	for _, smp := range vec {
		server := string(smp.Metric[run.LabelServer])
		c := SweepCapacity{Server: server, Capacity: int(smp.Value), Limit: string(smp.Metric[catalog.SweepLimitLabel]), CapacityTTFT: -1}
		if v, ok := ttftOf[server]; ok {
			c.CapacityTTFT = v
		}
		s.Capacities = append(s.Capacities, c)
	}
	sort.Slice(s.Capacities, func(i, j int) bool {
		a, b := s.Capacities[i], s.Capacities[j]
		if (a.Server == catalog.ReferenceServer) != (b.Server == catalog.ReferenceServer) {
			return a.Server == catalog.ReferenceServer // direct first: it sets the SLO and the ceiling
		}
		return a.Server < b.Server
	})
	bound, err := q.Instant(ctx, catalog.SweepSLOBoundMs, vars, at)
	if err != nil {
		return nil, err
	}
	if len(bound) > 0 {
		s.BoundMs = float64(bound[0].Value)
	}
	target, err := q.Instant(ctx, catalog.SweepGoodputTargetPercent, vars, at)
	if err != nil {
		return nil, err
	}
	if len(target) > 0 {
		s.GoodputPercent = float64(target[0].Value)
	}
	return s, nil
}
