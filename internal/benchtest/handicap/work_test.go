package main

import "testing"

// BenchmarkWorkUnit reports the CPU cost of one HANDICAP_WORK unit (ns/op is ns per unit).
//
// Measured with `go test -run x -bench . -count 5 ./internal/benchtest/handicap/` on the
// 2-core development machine (Intel Xeon with SHA-NI, Go 1.26.8; load average 6, a `make`
// build running beside it): 144.5, 147.6, 147.7, 149.8, 155.4 ns per unit — median
// 148 ns, spread 144–155 ns (−2 % to +5 %). BenchmarkWorkEvent, 30 units and the call:
// 4.32–4.53 µs, median 4.41 µs.
//
// Sizing the handicap: go-http costs about 1,000 µs of CPU per stream of the stub's default
// shape (8 content tokens: 11 events with the role, the finish and [DONE]). 5 % of it is
// 50 µs per stream, 4.5 µs per event: HANDICAP_WORK=30 (30 × 148 ns = 4.4 µs per event,
// 48.5 µs per stream, 4.9 %). Re-measure on another machine: without SHA-NI a unit costs
// several times more, and the knob must be scaled to keep 5 %.
func BenchmarkWorkUnit(b *testing.B) {
	// One chain of b.N units: the marginal cost of a unit, without the call's own.
	work(b.N)
}

// BenchmarkWorkEvent is one event's handicap at the recommended HANDICAP_WORK, call included.
func BenchmarkWorkEvent(b *testing.B) {
	for b.Loop() {
		work(recommendedWork)
	}
}

// recommendedWork is the HANDICAP_WORK for about 5 % of a go-http stream (see BenchmarkWorkUnit).
const recommendedWork = 30

func TestWorkUnits(t *testing.T) {
	for v, want := range map[string]int{"": 0, "0": 0, "40": 40, "1000": 1000} {
		if got, err := workUnits(v); err != nil || got != want {
			t.Errorf("workUnits(%q) = %d, %v; want %d", v, got, err, want)
		}
	}
	for _, v := range []string{"-1", "x", "1.5", " 3"} {
		if _, err := workUnits(v); err == nil {
			t.Errorf("workUnits(%q) accepted", v)
		}
	}
}

func TestWorkIsDeterministic(t *testing.T) {
	work(3)
	a := sink.Load()
	work(2)
	work(3)
	if b := sink.Load(); a != b || a == 0 {
		t.Fatalf("work(3) left %x, then %x", a, b)
	}
}

// TestEventCounterAcrossReads splits a stream at every pair of points and checks the count
// does not depend on where the reads fell.
func TestEventCounterAcrossReads(t *testing.T) {
	stream := []byte("data: {\"a\":1}\n\ndata: {\"b\":\"x\\ny\"}\n\n: comment\n\ndata: [DONE]\n\n")
	const want = 4
	for i := 0; i <= len(stream); i++ {
		for j := i; j <= len(stream); j++ {
			var c eventCounter
			got := c.count(stream[:i]) + c.count(stream[i:j]) + c.count(stream[j:])
			if got != want {
				t.Fatalf("split at %d, %d: %d events, want %d", i, j, got, want)
			}
		}
	}
	for in, want := range map[string]int{"\n\n\n": 1, "\n\n\n\n": 2, "a\nb\n": 0, "a\n\nb\n\n": 2, "": 0} {
		var c eventCounter
		if got := c.count([]byte(in)); got != want {
			t.Errorf("count(%q) = %d, want %d", in, got, want)
		}
		// one byte at a time gives the same
		var c1 eventCounter
		got := 0
		for _, b := range []byte(in) {
			got += c1.count([]byte{b})
		}
		if got != want {
			t.Errorf("count(%q) byte by byte = %d, want %d", in, got, want)
		}
	}
}
