package load

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// SLO is the per-stream service level objective that goodput counts against, as LLM
// benchmarks judge a run (vLLM's bench serve, AIPerf's --goodput): a stream meets it when it
// answered 200, ended with [DONE] without an error, its first event came within TTFT of the
// request and no gap between two of its events was longer than Gap. A zero bound is no bound;
// the zero SLO as a whole stands for DefaultSLO (Options.SLO).
type SLO struct {
	TTFT time.Duration // request sent (or due) → first event
	Gap  time.Duration // the largest gap between consecutive events
}

// DefaultSLO is what a run is judged by when no SLO is given. Both bounds sit far above what a
// relay adds to the stub's default stream (a first event after a few ms, gaps of a few ms), so
// that a healthy server meets it on nearly every stream even on a loaded 2-core machine; a
// relay that buffers the stream instead of flushing each event misses the gap bound at once.
// docs/cli.md gives the reasoning with figures.
var DefaultSLO = SLO{TTFT: time.Second, Gap: 250 * time.Millisecond}

// The keys of the SLO's syntax, ParseSLO's "ttft<=200ms,gap<=50ms".
const (
	sloKeyTTFT = "ttft"
	sloKeyGap  = "gap"
	sloOp      = "<="
)

// ParseSLO reads "ttft<=200ms,gap<=50ms": comma-separated bounds, each key<=duration with a
// Go duration, keys ttft and gap, each at most once and at least one of them. An error names
// the part that is wrong.
func ParseSLO(text string) (SLO, error) {
	var slo SLO
	if strings.TrimSpace(text) == "" {
		return SLO{}, fmt.Errorf("SLO %q: want at least one bound, e.g. %s", text, DefaultSLO)
	}
	seen := map[string]bool{}
	for _, term := range strings.Split(text, ",") {
		term = strings.TrimSpace(term)
		key, value, ok := strings.Cut(term, sloOp)
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok {
			return SLO{}, fmt.Errorf("SLO bound %q: want key%sduration, e.g. %s%s1s", term, sloOp, sloKeyTTFT, sloOp)
		}
		var bound *time.Duration
		switch key {
		case sloKeyTTFT:
			bound = &slo.TTFT
		case sloKeyGap:
			bound = &slo.Gap
		default:
			return SLO{}, fmt.Errorf("SLO bound %q: unknown key %q, want %s or %s", term, key, sloKeyTTFT, sloKeyGap)
		}
		if seen[key] {
			return SLO{}, fmt.Errorf("SLO %q: %s is bounded twice", text, key)
		}
		seen[key] = true
		d, err := time.ParseDuration(value)
		if err != nil {
			return SLO{}, fmt.Errorf("SLO bound %q: %q is not a duration, want e.g. 200ms or 1.5s", term, value)
		}
		if d <= 0 {
			return SLO{}, fmt.Errorf("SLO bound %q: want a duration above 0", term)
		}
		*bound = d
	}
	return slo, nil
}

// String writes the SLO the way ParseSLO reads it back.
func (s SLO) String() string {
	var terms []string
	if s.TTFT > 0 {
		terms = append(terms, sloKeyTTFT+sloOp+s.TTFT.String())
	}
	if s.Gap > 0 {
		terms = append(terms, sloKeyGap+sloOp+s.Gap.String())
	}
	return strings.Join(terms, ",")
}

// Set parses text into s (flag.Value), so that a command's --slo and its variable are read
// and refused as every other flag is.
func (s *SLO) Set(text string) error {
	parsed, err := ParseSLO(text)
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}

// sloJSON is the SLO in JSON, in milliseconds as every duration of the summary's JSON: an
// object rather than the flag syntax, whose "<=" encoding/json would write as "\u003c=".
// A bound left out is no bound.
type sloJSON struct {
	TTFTMs float64 `json:"ttft_ms,omitempty"`
	GapMs  float64 `json:"gap_ms,omitempty"`
}

// MarshalJSON writes {"ttft_ms":1000,"gap_ms":250}.
func (s SLO) MarshalJSON() ([]byte, error) {
	return json.Marshal(sloJSON{TTFTMs: milliseconds(s.TTFT), GapMs: milliseconds(s.Gap)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *SLO) UnmarshalJSON(b []byte) error {
	var j sloJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = SLO{TTFT: fromMilliseconds(j.TTFTMs), Gap: fromMilliseconds(j.GapMs)}
	return nil
}

func milliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fromMilliseconds(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

// orDefault is the SLO a run judges by: s, or DefaultSLO when s is zero.
func (s SLO) orDefault() SLO {
	if s == (SLO{}) {
		return DefaultSLO
	}
	return s
}

// met reports whether a stream whose first event came after firstEvent, with maxGap its
// largest gap between events, is within the SLO's bounds; whether it answered 200 and
// ended with [DONE] is the caller's to add.
func (s SLO) met(firstEvent, maxGap time.Duration) bool {
	return (s.TTFT <= 0 || firstEvent <= s.TTFT) && (s.Gap <= 0 || maxGap <= s.Gap)
}
