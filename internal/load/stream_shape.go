package load

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ssebench/ssebench/internal/stub"
)

// StreamShape is the stream a scenario asks the stub for, an ssebench extension of k6's
// scenario format ("stream" in k6/scenarios.json): sent as the stub's X-Stub-* headers with
// every request, by ssebench's load generator and by k6/sse.ts alike. A scenario without one
// gets the stub's default stream.
type StreamShape struct {
	Tokens           int           // content events of each stream; 0: the stub's default
	TokensDist       string        // lognormal:mean=M,sd=S draws each stream's tokens instead; "": Tokens
	TimeToFirstToken time.Duration // 0: the stub's default
	InterTokenDelay  time.Duration // 0: the stub's default
	TokenSize        int           // characters of each content event; 0: the stub's default
}

// Headers are the X-Stub-* headers that ask the stub for s.
func (s StreamShape) Headers() http.Header {
	h := http.Header{}
	if s.Tokens > 0 {
		h.Set(stub.HeaderTokens, strconv.Itoa(s.Tokens))
	}
	if s.TokensDist != "" {
		h.Set(stub.HeaderTokensDist, s.TokensDist)
	}
	if s.TimeToFirstToken > 0 {
		h.Set(stub.HeaderTimeToFirstToken, s.TimeToFirstToken.String())
	}
	if s.InterTokenDelay > 0 {
		h.Set(stub.HeaderInterTokenDelay, s.InterTokenDelay.String())
	}
	if s.TokenSize > 0 {
		h.Set(stub.HeaderTokenSize, strconv.Itoa(s.TokenSize))
	}
	return h
}

// Quick is s for a --quick run: as many fewer tokens as the scenario's durations are shorter
// (never fewer than one), so that a stream still ends within the shortened scenario — a
// distribution's mean and sd alike, so that its spread stays — while the delays and the
// token size, which are what the scenario is about, stay.
func (s StreamShape) Quick(factor float64) StreamShape {
	if s.Tokens > 0 {
		s.Tokens = max(1, int(float64(s.Tokens)*factor))
	}
	if s.TokensDist != "" {
		s.TokensDist = scaleTokensDist(s.TokensDist, factor)
	}
	return s
}

// ParseStreamShapes decodes the "stream" of every scenario strictly: an unknown field, a bad
// duration, a count below 0, a token size below 1 or a distribution the stub would refuse
// is an error naming the field's path.
func ParseStreamShapes(b []byte) (map[string]StreamShape, error) {
	out := map[string]StreamShape{}
	err := eachExtension(b, "stream", func(name, path string, raw json.RawMessage) error {
		s, err := parseStreamShape(path, raw)
		out[name] = s
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parseStreamShape decodes one scenario's "stream" at path.
func parseStreamShape(path string, raw json.RawMessage) (StreamShape, error) {
	sf, err := objectFields(raw, path)
	if err != nil {
		return StreamShape{}, err
	}
	f := fieldReader{fields: sf, path: path}
	if err := f.onlyKnown([]string{"tokens", "tokensDist", "timeToFirstToken", "interTokenDelay", "tokenSize"}); err != nil {
		return StreamShape{}, err
	}
	var s StreamShape
	if s.Tokens, err = f.count("tokens", 0, 0); err != nil {
		return StreamShape{}, err
	}
	if _, set := sf["tokensDist"]; set {
		if _, both := sf["tokens"]; both { // the stub would let X-Stub-Tokens win, silently
			return StreamShape{}, fmt.Errorf("%s.tokensDist: not with tokens (a fixed count or a distribution, not both)", path)
		}
		if s.TokensDist, err = f.str("tokensDist", ""); err != nil {
			return StreamShape{}, err
		}
		if err := checkTokensDist(s.TokensDist); err != nil {
			return StreamShape{}, fmt.Errorf("%s.tokensDist: %w", path, err)
		}
	}
	if s.TimeToFirstToken, err = f.duration("timeToFirstToken", 0, false); err != nil {
		return StreamShape{}, err
	}
	if s.InterTokenDelay, err = f.duration("interTokenDelay", 0, false); err != nil {
		return StreamShape{}, err
	}
	if _, set := sf["tokenSize"]; set { // the stub takes 1 to stub.MaxTokenSize
		if s.TokenSize, err = f.count("tokenSize", 0, 1); err != nil {
			return StreamShape{}, err
		}
		if s.TokenSize > stub.MaxTokenSize {
			return StreamShape{}, fmt.Errorf("%s.tokenSize: at most %d, got %d", path, stub.MaxTokenSize, s.TokenSize)
		}
	}
	return s, nil
}
