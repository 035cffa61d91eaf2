package compare

import (
	"context"
	"fmt"
	"time"

	"github.com/ssebench/ssebench/internal/run"
)

// EarlierRuns lists the run ids that pushed load samples within window before start, the
// candidate excluded; the trials of a run count once, as their run.
func EarlierRuns(ctx context.Context, q *run.Querier, candidate string, start time.Time, window time.Duration) ([]string, error) {
	ids, err := q.TestIDs(ctx, "", start.Add(-window), start.Add(-time.Second))
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, testid := range ids {
		id, _ := run.SplitTestID(testid)
		if id == candidate || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("compare: no runs before %s within %s to compare %q against", start.UTC().Format(time.RFC3339), window, candidate)
	}
	return out, nil
}
