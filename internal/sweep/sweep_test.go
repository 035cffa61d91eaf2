package sweep

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// server is a fake proxy whose every stream meets the per-stream SLO up to capacity
// streams/s, and whose p99 TTFT stays within the second rule's bound up to ttftCapacity.
func server(capacity, ttftCapacity int, asked *[]int) func(rate int) (Step, bool) {
	return func(rate int) (Step, bool) {
		*asked = append(*asked, rate)
		m := Measurement{Achieved: float64(rate), TTFTP99: 5, Goodput: 1}
		if rate > capacity {
			m.Goodput = 0.95
		}
		if rate > ttftCapacity {
			m.TTFTP99 = 500
		}
		return Judge(rate, m, 50*time.Millisecond, DefaultGoodputTarget), true
	}
}

func TestSearchStepsUpThenBisects(t *testing.T) {
	cfg := Config{}
	cfg.ApplyDefaults(time.Second)
	var asked []int
	r := Search(cfg, "p", server(1000, 400, &asked))
	// 100, 200, 400, 800 good; 1600 bad; then 1200 (bad), 1000 (good), 1100 (bad).
	if want := []int{100, 200, 400, 800, 1600, 1200, 1000, 1100}; !slices.Equal(asked, want) {
		t.Fatalf("rates asked %v, want %v", asked, want)
	}
	if r.Capacity != 1000 || FirstBad(r) != 1100 || len(r.Steps) != len(asked) {
		t.Fatalf("capacity %d, first bad %d, %d steps", r.Capacity, FirstBad(r), len(r.Steps))
	}
	// The p99 TTFT rule broke from 800 on: its capacity among the rates tried is 400.
	if r.CapacityTTFT != 400 {
		t.Errorf("second rule's capacity %d, want 400", r.CapacityTTFT)
	}
}

func TestSearchStopsWhenInterrupted(t *testing.T) {
	cfg := Config{}
	cfg.ApplyDefaults(time.Second)
	n := 0
	r := Search(cfg, "p", func(rate int) (Step, bool) {
		n++
		return Step{Rate: rate, OK: true}, n < 3
	})
	if len(r.Steps) != 2 || r.Capacity != 200 {
		t.Fatalf("interrupted at the third step: %d steps kept, capacity %d; want 2 and 200", len(r.Steps), r.Capacity)
	}
}

func TestJudgeNamesWhatBrokeTheSLO(t *testing.T) {
	cases := []struct {
		m    Measurement
		why  string
		okay bool
	}{
		{Measurement{TTFTP99: 10, Goodput: 1}, "", true},
		{Measurement{TTFTP99: 10, Goodput: 0.985}, "goodput 98.50 % under 99.00 %", false},
		{Measurement{TTFTP99: 60, Goodput: 0.995}, "within the SLO; outside the second rule: p99 TTFT 60.0 ms over 50.0 ms", true},
		{Measurement{Failed: 3, Goodput: 0.999}, "within the SLO; outside the second rule: 3 failed", true},
		{Measurement{Dropped: 2, Goodput: 1}, "2 iterations dropped", false},
		{Measurement{Err: "boom", Goodput: math.NaN()}, "error: boom", false},
		// Without a goodput measurement (k6's runs), failures alone decide.
		{Measurement{TTFTP99: 60, Goodput: math.NaN()}, "within the SLO; outside the second rule: p99 TTFT 60.0 ms over 50.0 ms", true},
		{Measurement{Failed: 1, Goodput: math.NaN()}, "1 failed", false},
	}
	for _, c := range cases {
		s := Judge(100, c.m, 50*time.Millisecond, DefaultGoodputTarget)
		if s.OK != c.okay || s.Why != c.why {
			t.Errorf("%+v: ok %v why %q, want %v %q", c.m, s.OK, s.Why, c.okay, c.why)
		}
	}
	if s := Judge(100, Measurement{TTFTP99: 900, Goodput: 1}, 0, DefaultGoodputTarget); !s.OK || !s.WithinTTFT {
		t.Error("bound 0 must judge failures only")
	}
}

func TestJudgeLimit(t *testing.T) {
	r := Result{Steps: []Step{{Rate: 100, OK: true}, {Rate: 200, OK: false}}, Capacity: 100}
	JudgeLimit(&r, 400, 25600)
	if r.Limit != LimitProxy {
		t.Errorf("broke below direct's ceiling: limit %q, want proxy", r.Limit)
	}
	JudgeLimit(&r, 200, 25600)
	if r.Limit != LimitHarness || !strings.Contains(r.Note, "where direct did too") {
		t.Errorf("broke at direct's ceiling: %q %q", r.Limit, r.Note)
	}
	ok := Result{Steps: []Step{{Rate: 100, OK: true}}}
	JudgeLimit(&ok, 0, 100)
	if ok.Limit != LimitMaxRate {
		t.Errorf("never broke: limit %q", ok.Limit)
	}
}
