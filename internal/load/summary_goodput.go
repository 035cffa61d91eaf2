package load

import (
	"fmt"
	"strings"
	"time"
)

// GoodputSummary is how many streams met the run's SLO (ssebench_goodput_streams_total) of
// every request the run made: the goodput LLM benchmarks report, as a count, a share and a rate.
type GoodputSummary struct {
	SLO       SLO     `json:"slo"`        // {"ttft_ms":1000,"gap_ms":250}
	Streams   int64   `json:"streams"`    // met the SLO
	Of        int64   `json:"of"`         // every request, failed ones included (http_reqs)
	Percent   float64 `json:"percent"`    // 100 × Streams / Of; 0 without requests
	PerSecond float64 `json:"per_second"` // Streams per second of the run's elapsed time
}

func (c *collector) goodputSummary(requests int64, elapsed time.Duration) GoodputSummary {
	g := GoodputSummary{SLO: c.slo, Streams: c.goodput.Load(), Of: requests}
	if requests > 0 {
		g.Percent = 100 * float64(g.Streams) / float64(requests)
	}
	if secs := elapsed.Seconds(); secs > 0 {
		g.PerSecond = float64(g.Streams) / secs
	}
	return g
}

// text is the summary's goodput line.
func (g GoodputSummary) text() string {
	return fmt.Sprintf("goodput: %d of %d streams met the SLO (%s) = %.2f %%",
		g.Streams, g.Of, strings.ReplaceAll(g.SLO.String(), ",", ", "), g.Percent)
}
