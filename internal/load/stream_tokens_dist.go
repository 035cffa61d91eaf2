package load

import (
	"errors"
	"strconv"
	"strings"

	"github.com/ssebench/ssebench/internal/stub"
)

// checkTokensDist refuses a "tokensDist" the stub would answer 400, by the stub's own parser,
// and any histogram: its names are the stub's (--tokens-hist), unknown to the file, and
// --quick could not shorten its streams.
func checkTokensDist(spec string) error {
	if kind, _, _ := strings.Cut(spec, ":"); kind == stub.DistHistogram {
		return errNoHistogram
	}
	_, err := stub.ParseTokensDist(spec, func(string) (*stub.TokensDist, error) { return nil, errNoHistogram })
	return err
}

var errNoHistogram = errors.New("want " + stub.DistLognormal + ":mean=M,sd=S (a histogram is the stub's, named by its --tokens-hist)")

// scaleTokensDist is a lognormal spec (checked by checkTokensDist) with its mean and sd
// multiplied by factor: the same spread of lengths, shorter. The mean stays at least one
// token and both within the stub's range; anything else comes back as it was.
func scaleTokensDist(spec string, factor float64) string {
	kind, args, _ := strings.Cut(spec, ":")
	if kind != stub.DistLognormal {
		return spec
	}
	parts := strings.Split(args, ",")
	for i, part := range parts {
		key, value, _ := strings.Cut(part, "=")
		key = strings.TrimSpace(key)
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return spec
		}
		v = min(v*factor, stub.MaxTokens)
		if key == "mean" {
			v = max(v, 1)
		}
		// Six digits: 150 × 0.1 is 15, not 15.000000000000002.
		parts[i] = key + "=" + strconv.FormatFloat(v, 'g', 6, 64)
	}
	return kind + ":" + strings.Join(parts, ",")
}
