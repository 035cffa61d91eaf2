package storecheck

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/prometheus/common/model"
)

// The classes a catalog query gets, per path into the store.
const (
	classWorks   = "works"   // Prometheus has data, and the store returns the same series and values
	classDiffers = "differs" // the store returns data, but other series or other values
	classEmpty   = "empty"   // Prometheus has data, the store returns none
	classError   = "error"   // the store refuses the query
	classNoData  = "no-data" // neither has data: this run produces none for the query, so it is not judged
)

// tolerance is the relative difference up to which two values count as the same. Both
// stores hold the same samples; what differs is arithmetic (float sums in another order)
// and, for rate() and irate(), VictoriaMetrics' own window semantics (no extrapolation),
// which are the kind of difference this test is meant to report.
const tolerance = 0.005

// ignoredLabels differ by design and are not compared: bench_host is the external label
// that the documented remote_write entry adds to what it forwards (Prometheus' own queries
// do not show it), and __name__ is kept or dropped by functions in store-specific ways
// that no catalog consumer relies on.
var ignoredLabels = []model.LabelName{"bench_host", model.MetricNameLabel}

// sample is one value (or one raw sample of a range selector) under its labels.
type sample struct {
	labels string
	values []float64
}

// flatten turns an instant query's answer into samples keyed by their labels.
func flatten(v model.Value) ([]sample, error) {
	var out []sample
	switch v := v.(type) {
	case model.Vector:
		for _, s := range v {
			out = append(out, sample{labels: labelKey(s.Metric), values: []float64{float64(s.Value)}})
		}
	case model.Matrix:
		for _, s := range v {
			vals := make([]float64, 0, len(s.Values))
			for _, p := range s.Values {
				vals = append(vals, float64(p.Value))
			}
			out = append(out, sample{labels: labelKey(s.Metric), values: vals})
		}
	case *model.Scalar:
		out = append(out, sample{labels: "{}", values: []float64{float64(v.Value)}})
	case nil:
	default:
		return nil, fmt.Errorf("unexpected result type %s", v.Type())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].labels < out[j].labels })
	return out, nil
}

func labelKey(m model.Metric) string {
	c := m.Clone()
	for _, l := range ignoredLabels {
		delete(c, l)
	}
	return c.String()
}

// compare says whether two answers are the same, and if not, the first difference.
func compare(prom, store []sample) (bool, string) {
	if len(prom) != len(store) {
		return false, fmt.Sprintf("%d series in Prometheus, %d in the store (%s / %s)", len(prom), len(store), keys(prom), keys(store))
	}
	for i := range prom {
		p, s := prom[i], store[i]
		if p.labels != s.labels {
			return false, fmt.Sprintf("series %s in Prometheus, %s in the store", p.labels, s.labels)
		}
		if len(p.values) != len(s.values) {
			return false, fmt.Sprintf("%s: %d samples in Prometheus, %d in the store", p.labels, len(p.values), len(s.values))
		}
		for j := range p.values {
			if !sameValue(p.values[j], s.values[j]) {
				return false, fmt.Sprintf("%s: %g in Prometheus, %g in the store (%+.2f %%)", p.labels, p.values[j], s.values[j],
					100*(s.values[j]-p.values[j])/math.Abs(p.values[j]))
			}
		}
	}
	return true, ""
}

func keys(s []sample) string {
	var k []string
	for _, x := range s {
		k = append(k, x.labels)
	}
	if len(k) > 3 {
		k = append(k[:3], "…")
	}
	return strings.Join(k, " ")
}

func sameValue(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= tolerance*math.Max(math.Abs(a), math.Abs(b)) || math.Abs(a-b) < 1e-9
}

// point is one query evaluated at one instant in both.
type point struct {
	promErr, storeErr error
	prom, store       []sample
}

// classify folds the evaluations of one query at several instants into its class, with a
// line that says why.
func classify(points []point) (class, why string) {
	promData, storeData, same := false, false, true
	for _, p := range points {
		if p.promErr != nil {
			return "prometheus-error", p.promErr.Error()
		}
		if p.storeErr != nil {
			return classError, p.storeErr.Error()
		}
		promData = promData || len(p.prom) > 0
		storeData = storeData || len(p.store) > 0
		if ok, diff := compare(p.prom, p.store); !ok && same {
			same, why = false, diff
		}
	}
	switch {
	case !promData && !storeData:
		return classNoData, ""
	case same:
		return classWorks, ""
	case !storeData:
		return classEmpty, why
	default:
		return classDiffers, why
	}
}
