package compare

import (
	"context"
	"fmt"
	"math"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/catalog"
)

// sampleStep is the resolution of the per-second samples. The rate window is the catalog's
// default $__rate_interval (4 s, four push intervals): a 2 s window holds a single push
// interval, and one push delayed on a loaded machine then gives a second with no requests
// beside one with two seconds' worth, which left a regression of a third undetectable.
// Consecutive samples overlap; the bootstrap's interval is correspondingly optimistic.
const (
	sampleStep   = time.Second
	sampleWindow = 4 * time.Second
)

// key is one server × scenario.
type key struct{ Server, Scenario string }

// sampled maps a results-table column to the catalog series whose per-second values
// stand for it in the bootstrap.
var sampled = map[string]catalog.Query{
	catalog.ResultsReqPerSecond.Name: catalog.SeriesReqPerSecond,
	catalog.ResultsP95Ms.Name:        catalog.SeriesP95,
	catalog.ResultsCPUPercent.Name:   catalog.SeriesCPU,
}

// runSamples holds, per server × scenario, the per-second values of each sampled column.
type runSamples map[key]map[string][]float64

// fetchSamples range-queries the sampled series of one run. CPU is reported per server,
// so its samples are the seconds in which that scenario's throughput was being measured.
func fetchSamples(ctx context.Context, api v1.API, testid string, start, end time.Time) (runSamples, error) {
	vars := catalog.Vars{TestID: testid, RateInterval: sampleWindow}
	r := v1.Range{Start: start, End: end, Step: sampleStep}
	out := runSamples{}
	active := map[key]map[model.Time]bool{}
	rps, err := rangeQuery(ctx, api, catalog.SeriesReqPerSecond, vars, r)
	if err != nil {
		return nil, err
	}
	for _, s := range rps {
		k := key{string(s.Metric["server"]), string(s.Metric["scenario"])}
		active[k] = map[model.Time]bool{}
		for _, p := range s.Values {
			active[k][p.Timestamp] = true
		}
		out.add(k, catalog.ResultsReqPerSecond.Name, s.Values)
	}
	p95, err := rangeQuery(ctx, api, catalog.SeriesP95, vars, r)
	if err != nil {
		return nil, err
	}
	for _, s := range p95 {
		out.add(key{string(s.Metric["server"]), string(s.Metric["scenario"])}, catalog.ResultsP95Ms.Name, s.Values)
	}
	cpu, err := rangeQuery(ctx, api, catalog.SeriesCPU, vars, r)
	if err != nil {
		return nil, err
	}
	for _, s := range cpu {
		for k, secs := range active {
			if k.Server != string(s.Metric["server"]) {
				continue
			}
			var during []model.SamplePair
			for _, p := range s.Values {
				if secs[p.Timestamp] {
					during = append(during, p)
				}
			}
			out.add(k, catalog.ResultsCPUPercent.Name, during)
		}
	}
	return out, nil
}

// add keeps the values of one series, without its first and last second when it has
// enough: those cover a partial push interval (the run's start, its stale end).
func (rs runSamples) add(k key, column string, values []model.SamplePair) {
	if rs[k] == nil {
		rs[k] = map[string][]float64{}
	}
	if len(values) > 4 {
		values = values[1 : len(values)-1]
	}
	for _, p := range values {
		if v := float64(p.Value); !math.IsNaN(v) && !math.IsInf(v, 0) {
			rs[k][column] = append(rs[k][column], v)
		}
	}
}

func rangeQuery(ctx context.Context, api v1.API, q catalog.Query, vars catalog.Vars, r v1.Range) (model.Matrix, error) {
	expr, err := q.Render(vars)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	val, _, _, err := api.QueryRange(ctx, expr, r)
	if err != nil {
		return nil, fmt.Errorf("compare: %s: %w", q.Name, err)
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("compare: %s returned %s, want a matrix", q.Name, val.Type())
	}
	return m, nil
}
