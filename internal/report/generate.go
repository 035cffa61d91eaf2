package report

import (
	"context"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// Generate fetches one run from Prometheus and writes its report under outDir/<testid>/:
// what `ssebench report` does, and what `ssebench run` calls once its last scenario ends.
func Generate(ctx context.Context, api v1.API, testid string, start, end time.Time, outDir string, o Options) (Paths, error) {
	d, err := Fetch(ctx, api, testid, start, end, o)
	if err != nil {
		return Paths{}, err
	}
	return Write(outDir, d)
}
