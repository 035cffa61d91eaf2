package stub

import (
	"math/rand/v2"
	"sync"
)

// More arbitrary odd constants, apart from timingSeedMix: the count's stream and the
// --seed sequence must not repeat the content or timing streams of the same seed.
const (
	countSeedMix    = 0xd1b54a32d192ed03
	sequenceSeedMix = 0x8cb92ba72f3d8dd7
)

// drawTokens replaces the request's token count by one drawn from its distribution. The
// count has a random stream of its own, seeded by X-Stub-Seed alone (not the body), so a
// seed gives the same count whatever the request says, and the content and timing streams
// of a seed are not shifted by the draw.
func (st *streamState) drawTokens(p *requestParams, req *chatRequest) {
	if p.seeded {
		seedCount(&st.countSrc, p.seed)
	} else {
		st.countSrc.Seed(rand.Uint64(), rand.Uint64())
	}
	p.Shape.Tokens = st.capTokens(p, req, p.Shape.TokensDist.draw(st.count))
}

func seedCount(src *rand.PCG, seed uint64) { src.Seed(seed^countSeedMix, countSeedMix) }

// CountForSeed is the token count the stub draws from t for a request whose X-Stub-Seed is
// seed, before the output-size cap (which only a count near MaxTokens with large tokens
// reaches): a client that sends the seed knows its stream's length, as a cancelling client
// must to pick a moment inside it.
func (t *TokensDist) CountForSeed(seed uint64) int {
	var src rand.PCG
	seedCount(&src, seed)
	return t.draw(rand.New(&src))
}

// capTokens clamps a drawn count (already at most MaxTokens) to the largest whose response
// fits in MaxOutputBytes: a draw is never refused as output_too_large, which only a count
// the client chose (X-Stub-Tokens) may be. It leaves p.Shape.Tokens at the result.
func (st *streamState) capTokens(p *requestParams, req *chatRequest, n int) int {
	fits := func(tokens int) bool {
		p.Shape.Tokens = tokens
		return st.outputBytes(p, req) <= MaxOutputBytes
	}
	if fits(n) {
		return n
	}
	lo, hi := 0, n // fits(lo); !fits(hi)
	for hi-lo > 1 {
		if mid := lo + (hi-lo)/2; fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	p.Shape.Tokens = lo
	return lo
}

// seedSequence hands each request without X-Stub-Seed the next seed of the sequence
// Config.Seed fixes (--seed).
type seedSequence struct {
	mu  sync.Mutex
	src rand.PCG
}

func newSeedSequence(seed uint64) *seedSequence {
	s := &seedSequence{}
	s.src.Seed(seed, sequenceSeedMix)
	return s
}

func (s *seedSequence) next() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src.Uint64()
}
