package load

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Segment is one instance's share of a load run split over several generators, with k6's
// execution-segment semantics (--execution-segment, --execution-segment-sequence): each
// instance computes its own share from its segment and the sequence alone, and the shares of
// all the sequence's segments add up to the whole exactly — no coordinator needed.
//
// The shares come from k6's striping: the sequence's segment lengths, over their least common
// denominator L, say how many of every L consecutive items (VUs, iterations) each segment
// owns, and which ones, spread as evenly as possible. Scaling a count N gives a segment the
// number of items among the first N that it owns, so the scaled counts sum to N for every N.
// A nil *Segment is the whole run.
type Segment struct {
	points []*big.Rat // the filled sequence 0 = p0 < p1 < … < pn = 1
	index  int        // this segment is (points[index], points[index+1]]
	lcd    int64
	owned  [][]int64 // by segment: the positions in [0, lcd) it owns, ascending
}

// maxStripes bounds the striping work (one pass over lcd positions) for absurdly fine sequences.
const maxStripes = 1_000_000

// ParseSegment reads k6's --execution-segment (e.g. "1/3:2/3", "0.5:1", "25%:50%", or "1/3"
// meaning "0:1/3") and --execution-segment-sequence (e.g. "0,1/3,2/3,1"). Without a sequence
// the segment is filled out to one (up to three segments around it, as k6 does); with one, the
// segment must be one of its segments. Both empty, or a segment covering 0:1 alone, is the
// whole run: nil.
func ParseSegment(segment, sequence string) (*Segment, error) {
	from, to, err := parseSegmentRange(segment)
	if err != nil {
		return nil, fmt.Errorf("execution segment %q: %w", segment, err)
	}
	points, err := parseSequence(sequence)
	if err != nil {
		return nil, fmt.Errorf("execution segment sequence %q: %w", sequence, err)
	}
	if points == nil {
		points = []*big.Rat{from, to}
	}
	points = fillSequence(points)
	index := slices.IndexFunc(points[:len(points)-1], func(p *big.Rat) bool { return p.Cmp(from) == 0 })
	if index < 0 || points[index+1].Cmp(to) != 0 {
		return nil, fmt.Errorf("execution segment %s is not one of the segments of the sequence %s",
			rangeString(from, to), pointsString(points))
	}
	if len(points) == 2 {
		return nil, nil
	}
	return newSegment(points, index)
}

func parseSegmentRange(s string) (from, to *big.Rat, err error) {
	from, to = new(big.Rat), big.NewRat(1, 1)
	if s == "" {
		return from, to, nil
	}
	toStr := s
	if a, b, ok := strings.Cut(s, ":"); ok {
		if from, err = parseRatio(a); err != nil {
			return nil, nil, err
		}
		toStr = b
	}
	if to, err = parseRatio(toStr); err != nil {
		return nil, nil, err
	}
	return from, to, checkRange(from, to)
}

func parseSequence(s string) ([]*big.Rat, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) < 2 {
		return nil, fmt.Errorf("want at least 2 points, e.g. 0,1/3,2/3,1")
	}
	points := make([]*big.Rat, len(parts))
	for i, p := range parts {
		r, err := parseRatio(strings.TrimSpace(p))
		if err != nil {
			return nil, err
		}
		if i > 0 {
			if err := checkRange(points[i-1], r); err != nil {
				return nil, err
			}
		}
		points[i] = r
	}
	return points, nil
}

// parseRatio accepts what k6 accepts: a fraction (1/3), a decimal (0.5) or a percentage (25%).
func parseRatio(s string) (*big.Rat, error) {
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		r, ok := new(big.Rat).SetString(pct)
		if !ok {
			return nil, fmt.Errorf("%q is not a percentage", s)
		}
		return r.Quo(r, big.NewRat(100, 1)), nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a fraction, decimal or percentage", s)
	}
	return r, nil
}

func checkRange(from, to *big.Rat) error {
	switch {
	case from.Sign() < 0:
		return fmt.Errorf("%s is below 0", from.RatString())
	case to.Cmp(big.NewRat(1, 1)) > 0:
		return fmt.Errorf("%s is above 1", to.RatString())
	case from.Cmp(to) >= 0:
		return fmt.Errorf("%s is not below %s", from.RatString(), to.RatString())
	}
	return nil
}

// fillSequence adds the missing segments before its first point and after its last, as k6 does.
func fillSequence(points []*big.Rat) []*big.Rat {
	if points[0].Sign() != 0 {
		points = append([]*big.Rat{new(big.Rat)}, points...)
	}
	if one := big.NewRat(1, 1); points[len(points)-1].Cmp(one) != 0 {
		points = append(points, one)
	}
	return points
}

func newSegment(points []*big.Rat, index int) (*Segment, error) {
	lengths := make([]*big.Rat, len(points)-1)
	lcd := int64(1)
	for i := range lengths {
		lengths[i] = new(big.Rat).Sub(points[i+1], points[i])
		d := lengths[i].Denom()
		if !d.IsInt64() || d.Int64() > maxStripes {
			return nil, fmt.Errorf("execution segment sequence %s is too fine (a denominator above %d)", pointsString(points), maxStripes)
		}
		lcd = lcm(lcd, d.Int64())
		if lcd > maxStripes {
			return nil, fmt.Errorf("execution segment sequence %s is too fine (common denominator above %d)", pointsString(points), maxStripes)
		}
	}
	shares := make([]int64, len(lengths)) // owned positions per lcd
	for i, l := range lengths {
		shares[i] = l.Num().Int64() * (lcd / l.Denom().Int64())
	}
	return &Segment{points: points, index: index, lcd: lcd, owned: stripe(shares, lcd)}, nil
}

// stripe hands the positions 0 … lcd-1 out to the segments, shares[i] of them to segment i.
// Largest segments choose first (ties in sequence order); position p goes to the first of
// them whose next due position, chosen·lcd/share, is reached — so each segment's positions lie
// about lcd/share apart. This is k6's algorithm, on which every instance must agree.
func stripe(shares []int64, lcd int64) [][]int64 {
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(shares[b] - shares[a]) })
	owned := make([][]int64, len(shares))
	chosen := make([]int64, len(shares))
	for p := int64(0); p < lcd; p++ {
		for _, i := range order {
			due, exact := chosen[i]*lcd/shares[i], chosen[i]*lcd%shares[i] == 0
			if p > due || (p == due && exact) {
				chosen[i]++
				owned[i] = append(owned[i], p)
				break
			}
		}
	}
	return owned
}

func lcm(a, b int64) int64 {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// Scale is this segment's share of n items: how many of the items 0 … n-1 it owns.
func (s *Segment) Scale(n int) int {
	if s == nil {
		return n
	}
	return scaleOwned(s.owned[s.index], s.lcd, n)
}

func scaleOwned(owned []int64, lcd int64, n int) int {
	whole, rest := int64(n)/lcd, int64(n)%lcd
	count := whole * int64(len(owned))
	for _, p := range owned {
		if p < rest {
			count++
		}
	}
	return int(count)
}

// String is the segment as k6 prints it, e.g. "1/3:2/3"; "0:1" for the whole run.
func (s *Segment) String() string {
	if s == nil {
		return "0:1"
	}
	return rangeString(s.points[s.index], s.points[s.index+1])
}

// Sequence is the filled sequence as k6 prints it, e.g. "0,1/3,2/3,1".
func (s *Segment) Sequence() string {
	if s == nil {
		return "0,1"
	}
	return pointsString(s.points)
}

func rangeString(from, to *big.Rat) string { return from.RatString() + ":" + to.RatString() }

func pointsString(points []*big.Rat) string {
	parts := make([]string, len(points))
	for i, p := range points {
		parts[i] = p.RatString()
	}
	return strings.Join(parts, ",")
}

// arrivals are the iterations of a constant-arrival-rate scenario one instance starts: the
// global iterations k·lcd + owned[j], in order. None when owned is empty.
type arrivals struct {
	lcd   int64
	owned []int64
}

var allArrivals = arrivals{lcd: 1, owned: []int64{0}}

// nth is the global index of this instance's k-th iteration (both counted from 0).
func (a arrivals) nth(k int) (int, bool) {
	n := len(a.owned)
	if n == 0 {
		return 0, false
	}
	return int(int64(k/n)*a.lcd + a.owned[k%n]), true
}

// arrivalsFor is k6's split of an arrival-rate scenario: the sequence is re-cut in proportion
// to each segment's share of maxVUs (segments left without VUs drop out), and iterations are
// striped over that new sequence, so that each instance's rate matches the VUs it has.
func (s *Segment) arrivalsFor(maxVUs int) (arrivals, error) {
	if s == nil || maxVUs < 1 {
		return allArrivals, nil
	}
	if int64(maxVUs)%s.lcd == 0 { // every segment gets exactly its length's share: nothing to re-cut
		return arrivals{lcd: s.lcd, owned: s.owned[s.index]}, nil
	}
	points, index := []*big.Rat{new(big.Rat)}, -1
	sum := 0
	for i, owned := range s.owned {
		n := scaleOwned(owned, s.lcd, maxVUs)
		if n == 0 {
			continue
		}
		if i == s.index {
			index = len(points) - 1
		}
		sum += n
		points = append(points, big.NewRat(int64(sum), int64(maxVUs)))
	}
	if index < 0 {
		return arrivals{lcd: 1}, nil
	}
	if len(points) == 2 {
		return allArrivals, nil
	}
	re, err := newSegment(points, index)
	if err != nil {
		return arrivals{}, err
	}
	return arrivals{lcd: re.lcd, owned: re.owned[index]}, nil
}
