package load

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// segmentsOf parses every segment of a sequence, in order.
func segmentsOf(t *testing.T, sequence string) []*Segment {
	t.Helper()
	points := strings.Split(sequence, ",")
	var segs []*Segment
	for i := range len(points) - 1 {
		seg, err := ParseSegment(points[i]+":"+points[i+1], sequence)
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, seg)
	}
	return segs
}

func TestStripingIsK6s(t *testing.T) {
	// k6's own illustration (lib/execution_segment.go): 0:1/2 owns 0,2,4,…; 1/2:3/4 owns 1,5,9,…;
	// 3/4:1 owns 3,7,11,…; and ScaleInt64 of 1…12 gives these rows.
	segs := segmentsOf(t, "0,1/2,3/4,1")
	wantOwned := [][]int{{0, 2, 4, 6, 8, 10}, {1, 5, 9}, {3, 7, 11}}
	wantScaled := [][]int{
		{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6},
		{0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3},
		{0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3},
	}
	for i, seg := range segs {
		a, _ := seg.arrivalsFor(4) // 4 VUs split 2:1:1, the lengths' own proportion: no re-cut
		var owned, scaled []int
		for k := range len(wantOwned[i]) {
			n, _ := a.nth(k)
			owned = append(owned, n)
		}
		for n := 1; n <= 12; n++ {
			scaled = append(scaled, seg.Scale(n))
		}
		if !slices.Equal(owned, wantOwned[i]) || !slices.Equal(scaled, wantScaled[i]) {
			t.Errorf("%s: owns %v, scales 1…12 to %v; want %v and %v", seg, owned, scaled, wantOwned[i], wantScaled[i])
		}
	}
}

func TestScaledCountsSumToTheWhole(t *testing.T) {
	for _, seq := range []string{"0,1/3,2/3,1", "0,1/2,3/4,1", "0,0.3,0.5,0.6,1", "0,10%,25%,1/2,1", "0,1/7,2/7,1"} {
		segs := segmentsOf(t, seq)
		for n := range 500 {
			sum := 0
			for _, s := range segs {
				sum += s.Scale(n)
			}
			if sum != n {
				t.Fatalf("%s: shares of %d sum to %d", seq, n, sum)
			}
		}
	}
	var parts []int
	for _, s := range segmentsOf(t, "0,1/3,2/3,1") {
		parts = append(parts, s.Scale(10))
	}
	if !slices.Equal(parts, []int{4, 3, 3}) {
		t.Fatalf("10 VUs over thirds = %v, want k6's [4 3 3]", parts)
	}
}

func TestParseSegment(t *testing.T) {
	seg, err := ParseSegment("1/3:2/3", "")
	if err != nil {
		t.Fatal(err)
	}
	if seg.String() != "1/3:2/3" || seg.Sequence() != "0,1/3,2/3,1" {
		t.Fatalf("got %s in %s; want 1/3:2/3 filled out to 0,1/3,2/3,1", seg, seg.Sequence())
	}
	if seg, err := ParseSegment("25%:0.5", "0,25%,1/2,1"); err != nil || seg.String() != "1/4:1/2" {
		t.Fatalf("percent and decimal: %v, %v", seg, err)
	}
	for _, whole := range [][2]string{{"", ""}, {"0:1", ""}, {"1", "0,1"}} {
		if seg, err := ParseSegment(whole[0], whole[1]); seg != nil || err != nil {
			t.Errorf("%q in %q: got %v, %v; want the whole run (nil)", whole[0], whole[1], seg, err)
		}
	}
	for _, bad := range []struct{ segment, sequence, want string }{
		{"2/3:1/3", "", `execution segment "2/3:1/3": 2/3 is not below 1/3`},
		{"0:3/2", "", "3/2 is above 1"},
		{"x:1", "", `"x" is not a fraction`},
		{"0:1/2", "0,1/3,1", "0:1/2 is not one of the segments of the sequence 0,1/3,1"},
		{"", "0,1/2,1", "0:1 is not one of the segments"},
		{"0:1/2", "0,1/2,1/3,1", `sequence "0,1/2,1/3,1": 1/2 is not below 1/3`},
		{"0:1/2", "1/2", "at least 2 points"},
	} {
		_, err := ParseSegment(bad.segment, bad.sequence)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseSegment(%q, %q) = %v; want an error containing %q", bad.segment, bad.sequence, err, bad.want)
		}
	}
}

func TestConstantVUsSplitLikeK6(t *testing.T) {
	sc := ConstantVUs{VUs: 10, Duration: time.Second}
	var vus []int
	for _, seg := range segmentsOf(t, "0,1/3,2/3,1") {
		part, err := sc.InSegment(seg)
		if err != nil {
			t.Fatal(err)
		}
		vus = append(vus, part.(ConstantVUs).VUs)
		if part.MaxVUCount() != part.(ConstantVUs).VUs {
			t.Errorf("%s: MaxVUCount %d, VUs %d", seg, part.MaxVUCount(), part.(ConstantVUs).VUs)
		}
	}
	if !slices.Equal(vus, []int{4, 3, 3}) {
		t.Fatalf("10 VUs over thirds: %v, want [4 3 3]", vus)
	}
}

// stepTarget is the VU target of steps at offset at.
func stepTarget(steps []step, at time.Duration) int {
	target := 0
	for _, s := range steps {
		if s.at > at {
			break
		}
		target = s.target
	}
	return target
}

func TestRampingVUsSplitSumsToTheWholeAtEveryInstant(t *testing.T) {
	// The writeup's stress ramp, 10 → 100 → 200 → 0 VUs over 70 s, split in thirds and in 1/2, 1/4, 1/4.
	whole := rampingSteps(10, stressStages)
	for _, seq := range []string{"0,1/3,2/3,1", "0,1/2,3/4,1"} {
		var parts [][]step
		for _, seg := range segmentsOf(t, seq) {
			part, _ := RampingVUs{StartVUs: 10, Stages: stressStages}.InSegment(seg)
			sc := part.(RampingVUs)
			parts = append(parts, scaleSteps(rampingSteps(sc.StartVUs, sc.Stages), sc.vuShare))
			if got, want := sc.MaxVUCount(), seg.Scale(200); got != want {
				t.Errorf("%s: MaxVUCount %d, want %d", seg, got, want)
			}
		}
		for at := time.Duration(0); at <= 70*time.Second; at += time.Millisecond {
			sum := 0
			for _, p := range parts {
				sum += stepTarget(p, at)
			}
			if want := stepTarget(whole, at); sum != want {
				t.Fatalf("%s at %v: segments plan %d VUs together, the whole run %d", seq, at, sum, want)
			}
		}
	}
}

// arrivalSchedule lists the due offsets of every iteration a scenario starts.
func arrivalSchedule(sc ConstantArrivalRate) []time.Duration {
	mine := allArrivals
	if sc.arrivals != nil {
		mine = *sc.arrivals
	}
	var out []time.Duration
	for k := 0; ; k++ {
		i, ok := mine.nth(k)
		off := arrivalOffset(i, sc.Rate, sc.TimeUnit)
		if !ok || off >= sc.Duration {
			return out
		}
		out = append(out, off)
	}
}

func TestArrivalRateSplitInterleavesToTheWholeSchedule(t *testing.T) {
	base := ConstantArrivalRate{Rate: 300, TimeUnit: time.Second, Duration: 2 * time.Second}
	for _, c := range []struct {
		pre, max int
		counts   []int // iterations per segment over 2 s
		vus      []int // maxVUs per segment
	}{
		{pre: 30, max: 30, counts: []int{200, 200, 200}, vus: []int{10, 10, 10}}, // 100/s each
		// maxVUs 10 splits 4:3:3, and k6 re-cuts the rate in the same proportion: 120, 90, 90 /s.
		{pre: 10, max: 10, counts: []int{240, 180, 180}, vus: []int{4, 3, 3}},
	} {
		sc := base
		sc.PreAllocatedVUs, sc.MaxVUs = c.pre, c.max
		whole := arrivalSchedule(sc)
		var union []time.Duration
		var counts, vus []int
		for _, seg := range segmentsOf(t, "0,1/3,2/3,1") {
			part, err := sc.InSegment(seg)
			if err != nil {
				t.Fatal(err)
			}
			mine := arrivalSchedule(part.(ConstantArrivalRate))
			counts, vus = append(counts, len(mine)), append(vus, part.(ConstantArrivalRate).MaxVUs)
			union = append(union, mine...)
		}
		slices.Sort(union)
		if !slices.Equal(union, whole) {
			t.Fatalf("maxVUs %d: the segments' %d due times are not the whole run's %d", c.max, len(union), len(whole))
		}
		if !slices.Equal(counts, c.counts) || !slices.Equal(vus, c.vus) {
			t.Fatalf("maxVUs %d: iterations %v, maxVUs %v; want %v, %v", c.max, counts, vus, c.counts, c.vus)
		}
	}
}

func TestArrivalRateSegmentWithoutVUsStartsNothing(t *testing.T) {
	// 2 VUs over thirds: the last third gets none, so k6 gives it no iterations either.
	sc := ConstantArrivalRate{Rate: 10, TimeUnit: time.Second, Duration: time.Second,
		PreAllocatedVUs: 2, MaxVUs: 2}
	var counts []int
	for _, seg := range segmentsOf(t, "0,1/3,2/3,1") {
		part, _ := sc.InSegment(seg)
		counts = append(counts, len(arrivalSchedule(part.(ConstantArrivalRate))))
	}
	if !slices.Equal(counts, []int{5, 5, 0}) {
		t.Fatalf("iterations per third with 2 VUs: %v, want [5 5 0]", counts)
	}
}
