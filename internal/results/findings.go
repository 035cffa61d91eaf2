package results

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/run"
)

// Finding is something a run shows about a server that is not a number to rank: a default
// configuration that buffers the stream, say. It is a result, never a harness error.
type Finding struct {
	Server   string  `json:"server"`
	Scenario string  `json:"scenario"`
	Kind     string  `json:"kind"`  // FindingBuffered
	Share    float64 `json:"share"` // the figure it rests on: median TTFT over median stream duration
	Text     string  `json:"text"`
}

// maxFailPercentForFindings is the share of failed iterations from which a row's streams no
// longer say whether the server buffers.
const maxFailPercentForFindings = 50

// FindingBuffered: the first token arrives with the last.
const FindingBuffered = "buffered"

// FetchFindings reads the run's findings from Prometheus through the catalog.
func FetchFindings(ctx context.Context, q *run.Querier, id string, trials []run.Trial) ([]Finding, error) {
	t, err := FetchRunColumns(ctx, q, id, trials, []catalog.Query{catalog.ResultsFirstTokenShare, catalog.ResultsFailPercent}, catalog.ResultsFirstTokenShare)
	if err != nil {
		return nil, err
	}
	return Findings(t), nil
}

// Findings lists the rows whose first-token share passes the StreamBuffered alert's
// threshold: the server held the events back and let them go together at the end. A row
// where most iterations failed is left out: a failed stream's first byte is its error, which
// ends it, so its share says nothing of buffering.
func Findings(t *Table) []Finding {
	var out []Finding
	for _, r := range t.Rows {
		share := r.Value(catalog.ResultsFirstTokenShare)
		if r.IsReference() || math.IsNaN(share) || share < catalog.Thresholds.FirstTokenShare || r.Value(catalog.ResultsFailPercent) >= maxFailPercentForFindings {
			continue
		}
		out = append(out, Finding{Server: r.Server, Scenario: r.Scenario, Kind: FindingBuffered, Share: share,
			Text: fmt.Sprintf("buffers the stream: TTFT equals the stream's duration (median time to first token is %.0f %% of the median stream, %s)",
				100*share, r.Scenario)})
	}
	return out
}

// WriteFindings prints the findings, one line each; nothing when there are none.
func WriteFindings(w io.Writer, findings []Finding, markdown bool) error {
	if len(findings) == 0 {
		return nil
	}
	head, item := "\nFindings:\n", "  %s %s\n"
	if markdown {
		head, item = "\n### Findings\n\n", "- **%s** %s\n"
	}
	if _, err := fmt.Fprint(w, head); err != nil {
		return err
	}
	for _, f := range findings {
		if _, err := fmt.Fprintf(w, item, f.Server, f.Text); err != nil {
			return err
		}
	}
	return nil
}
