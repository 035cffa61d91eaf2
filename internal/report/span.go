package report

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

// spanTail extends the span past the last load sample: a load run's stale markers land a
// moment after its last sample, and the results' 1 s subqueries still see the run active
// until then, as `ssebench run`'s own window (which ends after a settle time) does.
const spanTail = 5 * time.Second

// FindSpan finds a run's time span: the first and last raw k6_vus sample of the testid
// within lookback before now (catalog run.load_samples), the end widened by spanTail and
// capped at now. Raw samples make it exact, however short the load runs were.
func FindSpan(ctx context.Context, api v1.API, testid string, now time.Time, lookback time.Duration) (start, end time.Time, err error) {
	q := catalog.RunLoadSamples
	expr, err := q.Render(catalog.Vars{TestID: testid, Range: lookback})
	if err != nil {
		return start, end, err
	}
	ctx, cancel := context.WithTimeout(ctx, results.QueryTimeout)
	defer cancel()
	val, _, _, err := api.Query(ctx, expr, now)
	if err != nil {
		return start, end, fmt.Errorf("report: query %s: %w", q.Name, err)
	}
	matrix, ok := val.(model.Matrix)
	if !ok {
		return start, end, fmt.Errorf("report: query %s returned %s, want a matrix", q.Name, val.Type())
	}
	for _, stream := range matrix {
		for _, p := range stream.Values {
			t := p.Timestamp.Time()
			if start.IsZero() || t.Before(start) {
				start = t
			}
			if t.After(end) {
				end = t
			}
		}
	}
	if start.IsZero() || !end.After(start) {
		return time.Time{}, time.Time{}, fmt.Errorf("report: no load samples of testid %q in Prometheus within %s before %s", testid, lookback, now.UTC().Format(time.RFC3339))
	}
	end = end.Add(spanTail)
	if end.After(now) {
		end = now
	}
	return start.UTC(), end.UTC(), nil
}
