// Package stub is a mock OpenAI-compatible LLM endpoint that streams
// chat.completion.chunk events with a tunable shape and injectable faults.
// It is the upstream of every proxy ssebench measures, so it is built to be
// cheap: the benchmark must measure the proxy, never the stub.
package stub

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Shape is how a stream looks and paces itself.
type Shape struct {
	Tokens           int           // content chunks per stream
	TimeToFirstToken time.Duration // delay before the first content chunk
	InterTokenDelay  time.Duration // delay before every later content chunk
	Jitter           time.Duration // uniform ± added to each delay (clamped at zero)
	TokenSize        int           // characters per content chunk
	// TokensDist, when not nil, draws each stream's token count in place of Tokens,
	// capped (capTokens); X-Stub-Tokens fixes one request's count in its place.
	TokensDist *TokensDist
}

// Faults are injected failures; the zero value (with AbortAfter = -1) injects none.
type Faults struct {
	ErrorRate   float64       // probability of answering ErrorStatus instead of a completion
	ErrorStatus int           // status of an injected error
	AbortRate   float64       // probability of dropping the connection mid-stream
	AbortAfter  int           // drop the connection after this many content chunks; -1 = never
	Stall       time.Duration // pause once, halfway through the stream
}

// Config is the server-wide default for every request; X-Stub-* headers override it per request.
type Config struct {
	Shape  Shape
	Faults Faults
	// TokensHistograms are the histograms a request may name in X-Stub-Tokens-Dist
	// (histogram:NAME); nil: none.
	TokensHistograms *TokensHistograms
	// Seed, when Seeded, gives every request without X-Stub-Seed the next seed of a
	// sequence it fixes: a run's random choices (token counts drawn, words, jitter, faults)
	// are then the same sequence run to run, in the order the requests arrive.
	Seed   uint64
	Seeded bool
}

// Profile names accepted by --profile and X-Stub-Profile.
const (
	ProfileDefault   = "default"
	ProfileRealistic = "realistic"
)

// Limits keep a typo in a header from asking for an endless or gigantic
// stream, and anyone who can reach a proxy (X-Stub-* headers pass through every
// one) from making the stub allocate or send without bound.
const (
	MaxTokens    = 100_000
	MaxTokenSize = 4096
	MaxDelay     = 10 * time.Minute
	MaxBodyBytes = 1 << 20
	// MaxOutputBytes caps one response's body, streaming or not, every byte of
	// JSON and SSE framing counted: 100,000 tokens of 4 bytes (~23 MB as a
	// stream) are over it, 60,000 are not. A request asking for more is answered
	// 400 (output_too_large) before anything is generated.
	MaxOutputBytes = 16 << 20
	// MaxModelBytes caps the request's model name, which every chunk echoes.
	MaxModelBytes = 256
)

// DefaultShape is a stream of a few milliseconds: the writeup's stub let 10 VUs
// reach ~1,500 req/s through a proxy, so its streams were short, and a short
// stream makes the proxy's own overhead, not the stub's waiting, dominate.
func DefaultShape() Shape {
	return Shape{
		Tokens:           8,
		TimeToFirstToken: time.Millisecond,
		InterTokenDelay:  500 * time.Microsecond,
		TokenSize:        4,
	}
}

// RealisticShape paces a stream like a hosted model answering a long question.
func RealisticShape() Shape {
	return Shape{
		Tokens:           256,
		TimeToFirstToken: 200 * time.Millisecond,
		InterTokenDelay:  20 * time.Millisecond,
		TokenSize:        4,
	}
}

// ProfileShape returns the shape a profile name stands for.
func ProfileShape(name string) (Shape, error) {
	switch name {
	case ProfileDefault:
		return DefaultShape(), nil
	case ProfileRealistic:
		return RealisticShape(), nil
	}
	return Shape{}, fmt.Errorf("unknown profile %q (want %q or %q)", name, ProfileDefault, ProfileRealistic)
}

// NoFaults injects nothing.
func NoFaults() Faults {
	return Faults{ErrorStatus: 500, AbortAfter: -1}
}

// DefaultConfig is the default profile without faults.
func DefaultConfig() Config {
	return Config{Shape: DefaultShape(), Faults: NoFaults()}
}

// Validate reports every field out of range, naming each.
func (c Config) Validate() error {
	return errors.Join(c.Shape.Validate(), c.Faults.Validate())
}

// Validate reports every shape field out of range.
func (s Shape) Validate() error {
	return errors.Join(
		checkIntRange("tokens", s.Tokens, 0, MaxTokens),
		checkDelay("time to first token", s.TimeToFirstToken),
		checkDelay("inter-token delay", s.InterTokenDelay),
		checkDelay("jitter", s.Jitter),
		checkIntRange("token size", s.TokenSize, 1, MaxTokenSize),
		checkContentBytes(s),
		checkTokensDist(s.TokensDist),
	)
}

// checkTokensDist refuses a TokensDist not made by ParseTokensDist or LoadTokensHistogram,
// which would have nothing to draw from.
func checkTokensDist(d *TokensDist) error {
	if d != nil && d.d == nil {
		return errors.New("tokens distribution: empty (make one with ParseTokensDist)")
	}
	return nil
}

// checkContentBytes refuses a default shape whose content alone is over
// MaxOutputBytes (every request would be refused); the exact response size
// is judged per request, see outputBytes.
func checkContentBytes(s Shape) error {
	if s.Tokens > 0 && s.TokenSize > 0 && s.Tokens*s.TokenSize > MaxOutputBytes {
		return fmt.Errorf("tokens × token size = %d bytes of content, over the output limit of %d bytes", s.Tokens*s.TokenSize, MaxOutputBytes)
	}
	return nil
}

// Validate reports every fault field out of range.
func (f Faults) Validate() error {
	return errors.Join(
		checkRate("error rate", f.ErrorRate),
		checkIntRange("error status", f.ErrorStatus, 400, 599),
		checkRate("abort rate", f.AbortRate),
		checkIntRange("abort after", f.AbortAfter, -1, MaxTokens),
		checkDelay("stall", f.Stall),
	)
}

func checkIntRange(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s %d out of range [%d, %d]", name, v, lo, hi)
	}
	return nil
}

func checkDelay(name string, d time.Duration) error {
	if d < 0 || d > MaxDelay {
		return fmt.Errorf("%s %v out of range [0s, %v]", name, d, MaxDelay)
	}
	return nil
}

func checkRate(name string, r float64) error {
	if math.IsNaN(r) || r < 0 || r > 1 {
		return fmt.Errorf("%s %v out of range [0, 1]", name, r)
	}
	return nil
}
