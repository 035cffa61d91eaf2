package compare

import (
	"context"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/ssebench/ssebench/internal/report"
)

// Span finds the time window of a run: the report's span (the catalog's run.load_samples,
// the first and last raw load sample of the testid within lookback before now).
func Span(ctx context.Context, api v1.API, testid string, lookback time.Duration, now time.Time) (start, end time.Time, err error) {
	return report.FindSpan(ctx, api, testid, now, lookback)
}
