package stub

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Distribution kinds of --tokens-dist and X-Stub-Tokens-Dist, written KIND:ARGUMENTS.
const (
	DistLognormal = "lognormal" // lognormal:mean=200,sd=150, in tokens
	DistHistogram = "histogram" // histogram:PATH by flag, histogram:NAME by header
)

// TokensDist draws the token count of each stream: real answers vary in length by orders
// of magnitude, and a proxy's buffers and timers see that variety, not one fixed length.
// ParseTokensDist and LoadTokensHistogram make one; it is immutable and shared by every
// request.
type TokensDist struct {
	spec string // as given, for logs
	d    drawer
}

// drawer draws one count in [1, MaxTokens]; the output-size cap is the caller's (capTokens).
type drawer interface {
	draw(r *rand.Rand) int
}

// String is the distribution as it was given.
func (t *TokensDist) String() string {
	if t == nil {
		return "fixed"
	}
	return t.spec
}

// draw is one token count in [1, MaxTokens].
func (t *TokensDist) draw(r *rand.Rand) int { return t.d.draw(r) }

// ParseTokensDist reads KIND:ARGUMENTS. histogram resolves the argument of histogram:
// (LoadTokensHistogram reads a file, which only the command line may do; a header may only
// name a histogram loaded at start). Errors name the part that is wrong.
func ParseTokensDist(spec string, histogram func(arg string) (*TokensDist, error)) (*TokensDist, error) {
	kind, args, ok := strings.Cut(spec, ":")
	if !ok {
		return nil, fmt.Errorf("want KIND:ARGUMENTS, e.g. %s:mean=200,sd=150 or %s:…", DistLognormal, DistHistogram)
	}
	switch kind {
	case DistLognormal:
		ln, err := parseLognormal(args)
		if err != nil {
			return nil, err
		}
		return &TokensDist{spec: spec, d: ln}, nil
	case DistHistogram:
		if args == "" {
			return nil, errors.New("histogram: the file or name after the colon is missing")
		}
		return histogram(args)
	}
	return nil, fmt.Errorf("unknown distribution %q (want %s or %s)", kind, DistLognormal, DistHistogram)
}

// lognormal is the distribution of exp(N(mu, sigma²)): right-skewed like answer lengths,
// a few answers many times the median.
type lognormal struct{ mu, sigma float64 }

// newLognormal has the given mean and standard deviation: σ² = ln(1 + sd²/mean²),
// μ = ln(mean) − σ²/2.
func newLognormal(mean, sd float64) lognormal {
	sigma2 := math.Log1p(sd * sd / (mean * mean))
	return lognormal{mu: math.Log(mean) - sigma2/2, sigma: math.Sqrt(sigma2)}
}

func (l lognormal) draw(r *rand.Rand) int {
	return roundCount(math.Exp(l.mu + l.sigma*r.NormFloat64()))
}

// roundCount rounds a drawn length to a count in [1, MaxTokens].
func roundCount(x float64) int {
	if !(x < MaxTokens) { // +Inf too
		return MaxTokens
	}
	return max(int(math.Round(x)), 1)
}

// parseLognormal reads "mean=M,sd=S": both required, once each, in tokens.
func parseLognormal(args string) (lognormal, error) {
	var mean, sd float64
	var haveMean, haveSD bool
	for part := range strings.SplitSeq(args, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return lognormal{}, fmt.Errorf("lognormal: %q is not KEY=VALUE (want mean=M,sd=S)", part)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		var dst *float64
		var seen *bool
		switch key {
		case "mean":
			dst, seen = &mean, &haveMean
		case "sd":
			dst, seen = &sd, &haveSD
		default:
			return lognormal{}, fmt.Errorf("lognormal: unknown parameter %q (want mean and sd)", key)
		}
		if *seen {
			return lognormal{}, fmt.Errorf("lognormal: %s given twice", key)
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return lognormal{}, fmt.Errorf("lognormal: %s %q is not a number", key, value)
		}
		*dst, *seen = v, true
	}
	switch {
	case !haveMean:
		return lognormal{}, errors.New("lognormal: mean missing (want mean=M,sd=S)")
	case !haveSD:
		return lognormal{}, errors.New("lognormal: sd missing (want mean=M,sd=S)")
	case mean < 1 || mean > MaxTokens:
		// Under one token every draw would be the floor of 1; over the cap, every draw the cap.
		return lognormal{}, fmt.Errorf("lognormal: mean %v out of range [1, %d] tokens", mean, MaxTokens)
	case sd < 0 || sd > MaxTokens:
		return lognormal{}, fmt.Errorf("lognormal: sd %v out of range [0, %d] tokens", sd, MaxTokens)
	}
	return newLognormal(mean, sd), nil
}
