package report

import (
	"context"

	"github.com/ssebench/ssebench/internal/run"
)

// Generate fetches one run from Prometheus and writes its report under outDir/<run id>/:
// what `ssebench report` does, and what `ssebench run` calls once its last trial ends.
func Generate(ctx context.Context, q *run.Querier, id string, trials []run.Trial, outDir string, o Options) (Paths, error) {
	d, err := Fetch(ctx, q, id, trials, o)
	if err != nil {
		return Paths{}, err
	}
	return Write(outDir, d)
}
