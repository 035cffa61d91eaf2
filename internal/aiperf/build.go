package aiperf

import (
	"fmt"
	"math"
	"sort"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

// A Profile is the export of one (server, scenario) of a run.
type Profile struct {
	Server, Scenario string
	Export           Export
}

// ProvenanceNote opens every file's ssebench block: who wrote it, and from what.
const ProvenanceNote = "Written by ssebench (`ssebench report --format aiperf`) from its Prometheus data, not by AIPerf; " +
	"the metrics are ssebench's, under AIPerf's tags where both tools measure the same thing: see meanings and ssebench's docs/aiperf.md."

// Build makes one export per (server, scenario) row of t, a table of catalog.AIPerfColumns
// (Fetch's, or any other: the tests hand it a fixed one). version is ssebench's, for the
// provenance block. A row with none of the metrics gives no profile.
func Build(t *results.Table, version string) ([]Profile, error) {
	if t == nil {
		return nil, fmt.Errorf("aiperf: no results table")
	}
	var out []Profile
	for _, r := range t.Rows {
		e, err := export(r)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.Server, r.Scenario, err)
		}
		if len(e.Metrics()) == 0 {
			continue
		}
		e.SchemaVersion = SchemaVersion
		e.BenchmarkID = t.TestID + "/" + r.Server + "/" + r.Scenario
		e.SSEBench = &Provenance{
			Note: ProvenanceNote, Version: version, Schema: SchemaSource,
			TestID: t.TestID, Trials: append([]string{}, t.Trials...), Server: r.Server, Scenario: r.Scenario,
			RunStart: t.Start.UTC(), RunEnd: t.End.UTC(), Meanings: Meanings,
		}
		out = append(out, Profile{Server: r.Server, Scenario: r.Scenario, Export: e})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Server != out[j].Server {
			return out[i].Server < out[j].Server
		}
		return out[i].Scenario < out[j].Scenario
	})
	return out, nil
}

// export is one row's metrics: those the row has a value for.
func export(r results.Row) (Export, error) {
	var e Export
	set := func(tag string, m *Metric) error {
		if m == nil {
			return nil
		}
		slot, err := e.slot(tag)
		if err != nil {
			return err
		}
		*slot = m
		return nil
	}
	for _, s := range scalars {
		var m *Metric
		if v := value(r, s.query); v != nil {
			m = &Metric{Unit: s.unit, Avg: v}
		}
		if err := set(s.tag, m); err != nil {
			return Export{}, err
		}
	}
	for _, d := range distributions {
		if err := set(d.tag, distributionOf(r, d.queries)); err != nil {
			return Export{}, err
		}
	}
	return e, nil
}

// distributionOf is a record metric from its queries' values, nil without observations (as
// AIPerf writes no block for a metric no request gave). The mean is the sum over the count:
// exact, where a histogram's quantiles are not; where the exact maximum is known, a quantile
// above it (a bucket's estimate, ±1.1 %) is the maximum, which no quantile can exceed.
func distributionOf(r results.Row, d catalog.AIPerfDistribution) *Metric {
	count, sum := value(r, d.Count), value(r, d.SumMs)
	if count == nil || *count < 1 {
		return nil
	}
	n := int64(math.Round(*count))
	m := &Metric{Unit: UnitMillis, Count: &n, Sum: sum}
	if sum != nil {
		avg := *sum / *count
		m.Avg = &avg
	}
	m.Max = value(r, d.MaxMs)
	for p, q := range d.Quantiles() {
		v := value(r, q)
		if v != nil && m.Max != nil && *v > *m.Max {
			v = m.Max
		}
		*m.percentile(p) = v
	}
	return m
}

// value is the row's finite value of q; nil when the row has none (Prometheus returned no
// series, or NaN) or q is the zero Query of a figure ssebench cannot give.
func value(r results.Row, q catalog.Query) *float64 {
	if q.Name == "" {
		return nil
	}
	v, ok := r.Values[q.Name]
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
