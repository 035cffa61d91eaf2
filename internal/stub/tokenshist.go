package stub

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// histogram draws a bucket with probability weight / total, then a count uniformly within
// it. Bucket i covers (upper[i-1], upper[i]], the first [1, upper[0]]: a bucket of width one
// is an exact count.
type histogram struct {
	upper []int     // increasing
	cum   []float64 // running sums of the weights; the last is the total
}

func (h *histogram) draw(r *rand.Rand) int {
	// Float64 is below 1 by at least half an ulp of the total, so x stays below the total
	// after rounding and some running sum passes it: the first is the bucket drawn, never
	// one of weight zero.
	x := r.Float64() * h.cum[len(h.cum)-1]
	i := sort.Search(len(h.cum), func(i int) bool { return h.cum[i] > x })
	lo := 1
	if i > 0 {
		lo = h.upper[i-1] + 1
	}
	return lo + r.IntN(h.upper[i]-lo+1)
}

// LoadTokensHistogram reads a histogram file (ParseTokensHistogram) as --tokens-dist
// histogram:PATH does.
func LoadTokensHistogram(path string) (*TokensDist, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	defer f.Close()
	return ParseTokensHistogram(f, path)
}

// ParseTokensHistogram reads one bucket a line, "upper_bound,weight" (a comma or a tab
// between): upper bounds are increasing integers in [1, MaxTokens], weights numbers ≥ 0,
// not all zero. Blank lines and lines starting with # are skipped; there is no header row.
// Errors read name:line: what is wrong.
func ParseTokensHistogram(r io.Reader, name string) (*TokensDist, error) {
	h := &histogram{}
	sc := bufio.NewScanner(r)
	line, total := 0, 0.0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		upper, weight, err := parseBucket(text)
		if err == nil && len(h.upper) > 0 && upper <= h.upper[len(h.upper)-1] {
			err = fmt.Errorf("upper bound %d is not above the previous line's %d", upper, h.upper[len(h.upper)-1])
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		total += weight
		h.upper = append(h.upper, upper)
		h.cum = append(h.cum, total)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	if len(h.upper) == 0 {
		return nil, fmt.Errorf("%s: no buckets (want upper_bound,weight lines)", name)
	}
	if total == 0 || math.IsInf(total, 0) {
		return nil, fmt.Errorf("%s: the weights sum to %v; want a positive, finite total", name, total)
	}
	return &TokensDist{spec: DistHistogram + ":" + name, d: h}, nil
}

func parseBucket(text string) (upper int, weight float64, err error) {
	sep := ","
	if strings.Contains(text, "\t") {
		sep = "\t"
	}
	fields := strings.Split(text, sep)
	if len(fields) != 2 {
		return 0, 0, fmt.Errorf("%d fields; want 2, upper_bound and weight, separated by a comma or a tab", len(fields))
	}
	u, w := strings.TrimSpace(fields[0]), strings.TrimSpace(fields[1])
	upper, err = strconv.Atoi(u)
	if err != nil {
		return 0, 0, fmt.Errorf("upper bound %q is not an integer", u)
	}
	if upper < 1 || upper > MaxTokens {
		return 0, 0, fmt.Errorf("upper bound %d out of range [1, %d] tokens", upper, MaxTokens)
	}
	weight, err = strconv.ParseFloat(w, 64)
	if err != nil || math.IsNaN(weight) || math.IsInf(weight, 0) {
		return 0, 0, fmt.Errorf("weight %q is not a number", w)
	}
	if weight < 0 {
		return 0, 0, fmt.Errorf("weight %v is negative", weight)
	}
	return upper, weight, nil
}

// TokensHistograms are the histograms loaded at start (--tokens-hist NAME=PATH) that a
// request may choose by name (X-Stub-Tokens-Dist: histogram:NAME). A header names one of
// them and never a file: X-Stub-* headers pass through every proxy, so a path would let
// anyone who reaches a proxy make the stub read files. Fill it before NewHandler; it is
// only read after.
type TokensHistograms struct {
	byName map[string]*TokensDist
}

var histogramName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Load reads the histogram at path under name.
func (s *TokensHistograms) Load(name, path string) error {
	if !histogramName.MatchString(name) {
		return fmt.Errorf("histogram name %q: want 1 to 64 letters, digits, '_', '.' or '-'", shorten(name))
	}
	if _, dup := s.byName[name]; dup {
		return fmt.Errorf("histogram name %q given twice", name)
	}
	d, err := LoadTokensHistogram(path)
	if err != nil {
		return err
	}
	d.spec = DistHistogram + ":" + name
	if s.byName == nil {
		s.byName = map[string]*TokensDist{}
	}
	s.byName[name] = d
	return nil
}

// Names are the loaded histograms' names, sorted.
func (s *TokensHistograms) Names() []string {
	if s == nil {
		return nil
	}
	names := make([]string, 0, len(s.byName))
	for n := range s.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// lookup is the histogram loaded as name; a nil set has none.
func (s *TokensHistograms) lookup(name string) (*TokensDist, error) {
	if s != nil {
		if d, ok := s.byName[name]; ok {
			return d, nil
		}
	}
	if len(s.Names()) == 0 {
		return nil, errors.New("histogram: none was loaded at start (--tokens-hist NAME=PATH); a header can only name one of those, never a file")
	}
	return nil, fmt.Errorf("histogram: unknown name %q (loaded: %s); a header can only name a histogram loaded at start, never a file",
		shorten(name), strings.Join(s.Names(), ", "))
}
