package results

import (
	"context"
	"math"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/run"
)

// sampleStep is the resolution of the per-second samples. The rate window is the catalog's
// default $__rate_interval (4 s, four push intervals): a 2 s window holds a single push
// interval, and one push delayed on a loaded machine then gives a second with no requests
// beside one with two seconds' worth.
const (
	sampleStep   = time.Second
	sampleWindow = 4 * time.Second
)

// Key is one server × scenario.
type Key struct{ Server, Scenario string }

// sampled are the results-table columns with per-second samples within one run
// (catalog.Column.Samples), by name.
var sampled = func() map[string]catalog.Column {
	out := map[string]catalog.Column{}
	for _, c := range catalog.Columns {
		if c.Samples.Name != "" {
			out[c.Query.Name] = c
		}
	}
	return out
}()

// Samples holds, per server × scenario, the per-second values of each sampled column.
type Samples map[Key]map[string][]float64

// FetchSamples range-queries the sampled series of one testid. The throughput's samples say
// which seconds each scenario was measured in; a per-server column (CPU) keeps, for each
// scenario, the samples of those seconds.
func FetchSamples(ctx context.Context, q *run.Querier, testid string, w run.Window) (Samples, error) {
	vars := w.Vars(testid)
	vars.RateInterval = sampleWindow
	r := v1.Range{Start: w.Start, End: w.End, Step: sampleStep}
	out := Samples{}
	active := map[Key]map[model.Time]bool{}
	rps, err := q.Range(ctx, catalog.SeriesReqPerSecond, vars, r)
	if err != nil {
		return nil, err
	}
	for _, s := range rps {
		k := keyOf(s.Metric)
		active[k] = map[model.Time]bool{}
		for _, p := range s.Values {
			active[k][p.Timestamp] = true
		}
	}
	for _, c := range catalog.Columns {
		if c.Samples.Name == "" {
			continue
		}
		series := rps
		if c.Samples.Name != catalog.SeriesReqPerSecond.Name {
			if series, err = q.Range(ctx, c.Samples, vars, r); err != nil {
				return nil, err
			}
		}
		for _, s := range series {
			if !c.PerServer {
				out.add(keyOf(s.Metric), c.Query.Name, s.Values)
				continue
			}
			for k, secs := range active {
				if k.Server != string(s.Metric[run.LabelServer]) {
					continue
				}
				var during []model.SamplePair
				for _, p := range s.Values {
					if secs[p.Timestamp] {
						during = append(during, p)
					}
				}
				out.add(k, c.Query.Name, during)
			}
		}
	}
	return out, nil
}

func keyOf(m model.Metric) Key {
	return Key{string(m[run.LabelServer]), string(m[run.LabelScenario])}
}

// add keeps the values of one series, without its first and last second when it has
// enough: those cover a partial push interval (the run's start, its stale end).
func (s Samples) add(k Key, column string, values []model.SamplePair) {
	if s[k] == nil {
		s[k] = map[string][]float64{}
	}
	if len(values) > 4 {
		values = values[1 : len(values)-1]
	}
	for _, p := range values {
		if v := float64(p.Value); !math.IsNaN(v) && !math.IsInf(v, 0) {
			s[k][column] = append(s[k][column], v)
		}
	}
}
