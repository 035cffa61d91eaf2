package runner

import (
	"fmt"
	"math"
	"time"

	"github.com/ssebench/ssebench/internal/load"
)

// loadFigures are the load generator's own numbers for the results-table columns it can know.
type loadFigures struct {
	ReqPerSec, AvgMs, P95Ms, MaxMs, FailPercent float64
	Requests                                    int64
}

func figuresOf(s *load.Summary) loadFigures {
	if s == nil {
		nan := math.NaN()
		return loadFigures{ReqPerSec: nan, AvgMs: nan, P95Ms: nan, MaxMs: nan, FailPercent: nan}
	}
	d := s.HTTPReqDuration
	return loadFigures{
		ReqPerSec: s.RequestRate, AvgMs: ms(d.Avg), P95Ms: ms(d.P95), MaxMs: ms(d.Max),
		FailPercent: s.FailPercent(), Requests: s.Requests,
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// describe is the one line printed when a load run ends.
func describe(m Measured) string {
	if m.Summary == nil {
		return "error: " + m.Error
	}
	f := figuresOf(m.Summary)
	s := fmt.Sprintf("%d requests, %.1f req/s, p95 %.1f ms, %.2f %% failed", f.Requests, f.ReqPerSec, f.P95Ms, f.FailPercent)
	if m.Error != "" {
		s += "; error: " + m.Error
	}
	return s
}
