package stub

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Per-request override headers. A proxy forwards them untouched, so a test
// picks the shape of a stream through any proxy.
const (
	HeaderProfile          = "X-Stub-Profile"
	HeaderTokens           = "X-Stub-Tokens"
	HeaderTimeToFirstToken = "X-Stub-Time-To-First-Token"
	HeaderInterTokenDelay  = "X-Stub-Inter-Token-Delay"
	HeaderJitter           = "X-Stub-Jitter"
	HeaderTokenSize        = "X-Stub-Token-Size"
	HeaderSeed             = "X-Stub-Seed"
	HeaderErrorRate        = "X-Stub-Error-Rate"
	HeaderErrorStatus      = "X-Stub-Error-Status"
	HeaderAbortRate        = "X-Stub-Abort-Rate"
	HeaderAbortAfter       = "X-Stub-Abort-After"
	HeaderStall            = "X-Stub-Stall"
	// HeaderCancelAt is the wall-clock moment, in Unix nanoseconds, at which a cancelling
	// client will close its connection: the stub times how long that close takes to reach
	// it through the proxy (metrics.go, cancelOutcome).
	HeaderCancelAt = "X-Stub-Cancel-At"
	// HeaderTokensDist draws the request's token count: lognormal:mean=M,sd=S, or
	// histogram:NAME of one loaded at start (never a path: see TokensHistograms).
	// HeaderTokens wins over it.
	HeaderTokensDist = "X-Stub-Tokens-Dist"
)

const headerPrefix = "X-Stub-"

var knownHeaders = map[string]bool{
	HeaderProfile: true, HeaderTokens: true, HeaderTimeToFirstToken: true,
	HeaderInterTokenDelay: true, HeaderJitter: true, HeaderTokenSize: true,
	HeaderSeed: true, HeaderErrorRate: true, HeaderErrorStatus: true,
	HeaderAbortRate: true, HeaderAbortAfter: true, HeaderStall: true,
	HeaderCancelAt: true, HeaderTokensDist: true,
}

// requestParams is what one request asked for: the server defaults with its headers applied.
type requestParams struct {
	Config
	seed   uint64
	seeded bool
	// cancelAt is X-Stub-Cancel-At in Unix nanoseconds; 0 when the request has none.
	cancelAt int64
}

// headerError names the header that could not be used and why.
type headerError struct {
	header string
	reason string
}

func (e *headerError) Error() string { return "header " + e.header + ": " + e.reason }

// parseOverrides applies the request's X-Stub-* headers to the defaults.
// An unknown X-Stub-* header is an error too: a typo silently ignored would
// make a test measure a shape it did not ask for.
func parseOverrides(h http.Header, defaults Config) (requestParams, error) {
	if !hasStubHeader(h) {
		return requestParams{Config: defaults}, nil
	}
	return applyOverrides(h, defaults)
}

// applyOverrides is parseOverrides for a request with X-Stub-* headers. Apart, because its
// parameters escape to the heap (the steps below point into them): a request without
// headers, a benchmark's usual one, does not pay for that allocation.
func applyOverrides(h http.Header, defaults Config) (requestParams, error) {
	p := requestParams{Config: defaults}
	for name := range h {
		if strings.HasPrefix(name, headerPrefix) && !knownHeaders[name] {
			return p, &headerError{shorten(name), "unknown override header"}
		}
	}
	if v, ok := single(h, HeaderProfile); ok {
		s, err := ProfileShape(v)
		if err != nil {
			return p, &headerError{HeaderProfile, err.Error()}
		}
		p.Shape = s
	}
	steps := []struct {
		header string
		apply  func(string) error
	}{
		{HeaderTokens, intInto(&p.Shape.Tokens, 0, MaxTokens)},
		{HeaderTokensDist, tokensDistInto(&p.Shape.TokensDist, defaults.TokensHistograms)},
		{HeaderTimeToFirstToken, delayInto(&p.Shape.TimeToFirstToken)},
		{HeaderInterTokenDelay, delayInto(&p.Shape.InterTokenDelay)},
		{HeaderJitter, delayInto(&p.Shape.Jitter)},
		{HeaderTokenSize, intInto(&p.Shape.TokenSize, 1, MaxTokenSize)},
		{HeaderErrorRate, rateInto(&p.Faults.ErrorRate)},
		{HeaderErrorStatus, intInto(&p.Faults.ErrorStatus, 400, 599)},
		{HeaderAbortRate, rateInto(&p.Faults.AbortRate)},
		{HeaderAbortAfter, intInto(&p.Faults.AbortAfter, -1, MaxTokens)},
		{HeaderStall, delayInto(&p.Faults.Stall)},
		{HeaderSeed, seedInto(&p.seed, &p.seeded)},
		{HeaderCancelAt, cancelAtInto(&p.cancelAt, time.Now())},
	}
	for _, s := range steps {
		v, ok := single(h, s.header)
		if !ok {
			continue
		}
		if err := s.apply(v); err != nil {
			return p, &headerError{s.header, fmt.Sprintf("%q: %v", shorten(v), err)}
		}
	}
	if _, ok := single(h, HeaderTokens); ok {
		// An explicit count wins over any distribution, the server's or the request's.
		p.Shape.TokensDist = nil
	}
	return p, nil
}

// maxEchoed bounds how much of a header's name or value an error repeats.
const maxEchoed = 64

func shorten(s string) string {
	if len(s) <= maxEchoed {
		return s
	}
	return s[:maxEchoed] + "…"
}

func hasStubHeader(h http.Header) bool {
	for name := range h {
		if strings.HasPrefix(name, headerPrefix) {
			return true
		}
	}
	return false
}

func single(h http.Header, name string) (string, bool) {
	v := h.Values(name)
	if len(v) == 0 {
		return "", false
	}
	// Repeated headers are ambiguous; the last one wins, as with most proxies' rewrites.
	return strings.TrimSpace(v[len(v)-1]), true
}

func intInto(dst *int, lo, hi int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		if err := checkIntRange("value", n, lo, hi); err != nil {
			return err
		}
		*dst = n
		return nil
	}
}

func tokensDistInto(dst **TokensDist, named *TokensHistograms) func(string) error {
	return func(v string) error {
		d, err := ParseTokensDist(v, named.lookup)
		if err != nil {
			return err
		}
		*dst = d
		return nil
	}
}

func delayInto(dst *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("not a duration such as 50ms")
		}
		if err := checkDelay("value", d); err != nil {
			return err
		}
		*dst = d
		return nil
	}
}

func rateInto(dst *float64) func(string) error {
	return func(v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		if err := checkRate("value", r); err != nil {
			return err
		}
		*dst = r
		return nil
	}
}

func seedInto(dst *uint64, seeded *bool) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("not an unsigned 64-bit integer")
		}
		*dst, *seeded = n, true
		return nil
	}
}

// maxCancelAtSkew bounds how far X-Stub-Cancel-At may lie from the stub's clock. A client
// plans its close seconds ahead at most; a value days away is almost surely Unix seconds or
// milliseconds sent by mistake, which would fill the histogram with nonsense rather than fail.
const maxCancelAtSkew = 24 * time.Hour

func cancelAtInto(dst *int64, now time.Time) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("not a positive decimal integer of Unix nanoseconds")
		}
		if skew := time.Unix(0, n).Sub(now); skew > maxCancelAtSkew || skew < -maxCancelAtSkew {
			return fmt.Errorf("%v from the stub's clock, over %v: Unix nanoseconds expected (seconds or milliseconds sent?)",
				skew.Round(time.Second), maxCancelAtSkew)
		}
		*dst = n
		return nil
	}
}
