package run

import (
	"context"
	"fmt"
	"sort"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/promrun"
)

// spanTail extends a span past the last load sample: a load run's stale markers land a
// moment after its last sample, and the results' 1 s subqueries still see the run active
// until then, as `ssebench run`'s own window (which ends after a settle time) does.
const spanTail = 5 * time.Second

// Querier evaluates catalog queries for runs. It is promrun's query client (one transport,
// one timeout per query) with the catalog's rendering and the run's lookups on top.
// The client is not embedded: the catalog's queries are the only way in, so that no raw
// PromQL is evaluated outside the catalog.
type Querier struct {
	client *promrun.Client
}

// NewQuerier returns a Querier for the Prometheus at url.
func NewQuerier(url string) (*Querier, error) {
	c, err := promrun.NewClient(url, promrun.DefaultQueryTimeout)
	if err != nil {
		return nil, err
	}
	return &Querier{client: c}, nil
}

// Instant renders query with vars and evaluates it at ts, requiring a vector.
func (q *Querier) Instant(ctx context.Context, query catalog.Query, vars catalog.Vars, ts time.Time) (model.Vector, error) {
	val, err := q.eval(ctx, query, vars, ts)
	if err != nil {
		return nil, err
	}
	vec, ok := val.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %s returned %s, want a vector", query.Name, val.Type())
	}
	return vec, nil
}

// InstantMatrix evaluates a range-selector query at ts (raw samples), requiring a matrix.
func (q *Querier) InstantMatrix(ctx context.Context, query catalog.Query, vars catalog.Vars, ts time.Time) (model.Matrix, error) {
	val, err := q.eval(ctx, query, vars, ts)
	if err != nil {
		return nil, err
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("query %s returned %s, want a matrix", query.Name, val.Type())
	}
	return m, nil
}

func (q *Querier) eval(ctx context.Context, query catalog.Query, vars catalog.Vars, ts time.Time) (model.Value, error) {
	expr, err := query.Render(vars)
	if err != nil {
		return nil, err
	}
	val, _, err := q.client.Query(ctx, expr, ts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", query.Name, err)
	}
	return val, nil
}

// Range renders query with vars and evaluates it over r.
func (q *Querier) Range(ctx context.Context, query catalog.Query, vars catalog.Vars, r v1.Range) (model.Matrix, error) {
	expr, err := query.Render(vars)
	if err != nil {
		return nil, err
	}
	val, _, err := q.client.QueryRange(ctx, expr, r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", query.Name, err)
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("query %s returned %s, want a matrix", query.Name, val.Type())
	}
	return m, nil
}

// Span finds a testid's window: the first and last raw k6_vus sample within lookback
// before now (catalog run.load_samples), the end widened by spanTail and capped at now.
// Raw samples make it exact, however short the load runs were.
func (q *Querier) Span(ctx context.Context, testid string, now time.Time, lookback time.Duration) (Window, error) {
	m, err := q.InstantMatrix(ctx, catalog.RunLoadSamples, catalog.Vars{TestID: testid, Range: lookback}, now)
	if err != nil {
		return Window{}, err
	}
	var w Window
	for _, stream := range m {
		for _, p := range stream.Values {
			t := p.Timestamp.Time()
			if w.Start.IsZero() || t.Before(w.Start) {
				w.Start = t
			}
			if t.After(w.End) {
				w.End = t
			}
		}
	}
	if w.Start.IsZero() || !w.End.After(w.Start) {
		return Window{}, fmt.Errorf("no load samples of testid %q in Prometheus within %s before %s", testid, lookback, now.UTC().Format(time.RFC3339))
	}
	w.End = w.End.Add(spanTail)
	if w.End.After(now) {
		w.End = now
	}
	return Window{Start: w.Start.UTC(), End: w.End.UTC()}, nil
}

// TestIDs lists the testids that pushed load samples in [start, end], matching pattern
// (a PromQL regex; "" for all), sorted. They come from the catalog's testid variable source.
func (q *Querier) TestIDs(ctx context.Context, pattern string, start, end time.Time) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, q.client.Timeout)
	defer cancel()
	sets, _, _, err := q.client.API.Series(ctx, []string{catalog.VarTestIDs.Expr}, start, end)
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	var re *regexpMatcher
	if pattern != "" {
		if re, err = newMatcher(pattern); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, ls := range sets {
		id := string(ls[LabelTestID])
		if id == "" || seen[id] || (re != nil && !re.match(id)) {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// Trials finds the trials of run id within lookback before now: the plain testid for a
// single-trial run, else id-t1 … id-tN in trial order, each with its window.
func (q *Querier) Trials(ctx context.Context, id string, now time.Time, lookback time.Duration) ([]Trial, error) {
	ids, err := q.TestIDs(ctx, TestIDPattern(id), now.Add(-lookback), now)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no run %q in Prometheus within %s before %s", id, lookback, now.UTC().Format(time.RFC3339))
	}
	var trials []Trial
	for _, tid := range ids {
		w, err := q.Span(ctx, tid, now, lookback)
		if err != nil {
			return nil, err
		}
		_, n := SplitTestID(tid)
		trials = append(trials, Trial{Number: max(n, 1), TestID: tid, Window: w})
	}
	sort.Slice(trials, func(i, j int) bool { return trials[i].Number < trials[j].Number })
	return trials, nil
}
