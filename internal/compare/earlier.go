package compare

import (
	"context"
	"fmt"
	"sort"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
)

// EarlierRuns lists the testids that pushed load samples within window before start,
// the candidate excluded, using the catalog's testid variable source as a series match.
func EarlierRuns(ctx context.Context, api v1.API, candidate string, start time.Time, window time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, results.QueryTimeout)
	defer cancel()
	sets, _, _, err := api.Series(ctx, []string{catalog.VarTestIDs.Expr}, start.Add(-window), start.Add(-time.Second))
	if err != nil {
		return nil, fmt.Errorf("compare: listing earlier runs: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, ls := range sets {
		id := string(ls["testid"])
		if id == "" || id == candidate || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("compare: no runs before %s within %s to compare %q against", start.UTC().Format(time.RFC3339), window, candidate)
	}
	return out, nil
}
