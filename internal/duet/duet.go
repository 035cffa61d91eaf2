// Package duet judges servers measured side by side: every server loaded at once, in rounds,
// each judged by its ratio to a reference server in the same round (duet benchmarking,
// Bulej et al. 2020; randomized multiple interleaved trials, Abedi & Brecht 2017). Drift of
// the machine hits every server of a round alike and cancels in the ratio, so a 2 %
// difference in CPU per stream becomes a verdict instead of noise.
//
// The package has no I/O: the runner measures rounds, this package plans each round's order
// and phases and turns the rounds into a verdict.
package duet

import (
	"encoding/json"
	"math"
	"time"

	"github.com/ssebench/ssebench/internal/stats"
)

// Sample is one server's figures in one round. Latencies are absolute (ms); the verdict
// subtracts the same round's direct from them.
type Sample struct {
	Server       string  `json:"server"`
	Streams      int64   `json:"streams"`        // completed streams
	Failed       int64   `json:"failed"`         // failed requests
	Offered      int64   `json:"offered"`        // streams the schedule asked for
	VUsMax       int     `json:"vus_max"`        // the most streams the load generator had open at once
	CPUSeconds   float64 `json:"cpu_seconds"`    // the process's CPU during the round; NaN if not measured
	PeakRSSBytes float64 `json:"peak_rss_bytes"` // the round's peak resident memory; NaN if not measured
	TTFTp50      float64 `json:"ttft_p50_ms"`
	TTFTp99      float64 `json:"ttft_p99_ms"`
	GapP99       float64 `json:"gap_p99_ms"`
	DurP50       float64 `json:"duration_p50_ms"`
	DurP99       float64 `json:"duration_p99_ms"`
	// Saturated says why the round does not count for this server: achieved rate below
	// MinAchieved of the offered one, or failures. "" when it counts.
	Saturated string `json:"saturated,omitempty"`
}

// MarshalJSON writes unmeasured figures (NaN) as null.
func (s Sample) MarshalJSON() ([]byte, error) {
	type plain Sample // without this method
	f := func(v float64) stats.Float { return stats.Float(v) }
	return json.Marshal(struct {
		plain
		CPUSeconds   stats.Float `json:"cpu_seconds"`
		PeakRSSBytes stats.Float `json:"peak_rss_bytes"`
		TTFTp50      stats.Float `json:"ttft_p50_ms"`
		TTFTp99      stats.Float `json:"ttft_p99_ms"`
		GapP99       stats.Float `json:"gap_p99_ms"`
		DurP50       stats.Float `json:"duration_p50_ms"`
		DurP99       stats.Float `json:"duration_p99_ms"`
	}{plain(s), f(s.CPUSeconds), f(s.PeakRSSBytes), f(s.TTFTp50), f(s.TTFTp99), f(s.GapP99), f(s.DurP50), f(s.DurP99)})
}

// MinAchieved is the share of the offered streams a server must complete for its round to
// count: below it the server saturated, and its CPU per stream no longer says what a stream costs.
const MinAchieved = 0.95

// CPUPerStream is the round's CPU per completed stream in µs; NaN when unknown.
func (s Sample) CPUPerStream() float64 {
	if s.Streams <= 0 || math.IsNaN(s.CPUSeconds) {
		return math.NaN()
	}
	return s.CPUSeconds * 1e6 / float64(s.Streams)
}

// PeakRSSMiB is the round's peak resident memory in MiB; NaN when unknown.
func (s Sample) PeakRSSMiB() float64 { return s.PeakRSSBytes / (1 << 20) }

// Judge marks the sample saturated when it completed too few streams or failed any.
func (s *Sample) Judge() {
	switch {
	case s.Failed > 0:
		s.Saturated = "failures"
	case s.Offered > 0 && float64(s.Streams) < MinAchieved*float64(s.Offered):
		s.Saturated = "achieved rate below 95 % of offered"
	}
}

// Round is one round: every server's sample, and the order and phase its schedule started in.
type Round struct {
	Number  int               `json:"round"`
	Start   time.Time         `json:"start"`
	End     time.Time         `json:"end"`
	Starts  []Start           `json:"starts"`
	Samples map[string]Sample `json:"samples"`
}

// counts reports whether the round counts for server: measured and not saturated.
func (r Round) counts(server string) bool {
	s, ok := r.Samples[server]
	return ok && s.Saturated == ""
}
