package stub

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// streamState is everything one response needs, pooled so that a stream
// allocates almost nothing after warm-up.
type streamState struct {
	contentSrc rand.PCG // id, created and words: what the client sees
	timingSrc  rand.PCG // jitter and fault decisions
	countSrc   rand.PCG // the token count drawn from a distribution (drawTokens)
	content    *rand.Rand
	timing     *rand.Rand
	count      *rand.Rand
	words      wordStream
	enc        chunkEncoder
	text       []byte
	id         []byte
	created    int64
	timer      *time.Timer
}

var states = sync.Pool{New: func() any {
	st := &streamState{}
	st.content = rand.New(&st.contentSrc)
	st.timing = rand.New(&st.timingSrc)
	st.count = rand.New(&st.countSrc)
	return st
}}

func getState() *streamState { return states.Get().(*streamState) }

// maxPooledBytes is the largest buffer a pooled state or body buffer keeps:
// a state that served an unusually large request is left to the collector.
const maxPooledBytes = 64 << 10

func putState(st *streamState) {
	if st.timer != nil {
		st.timer.Stop()
	}
	if cap(st.text) > maxPooledBytes || cap(st.enc.buf) > maxPooledBytes || cap(st.enc.head) > maxPooledBytes {
		return
	}
	states.Put(st)
}

// plan is every random decision about one response, drawn up front in a
// fixed order so that a seed fixes them whatever the rates are.
type plan struct {
	injectError bool
	abortAt     int // content chunks sent before dropping the connection; -1 = never
	stallAt     int // content chunks sent before the stall; -1 = no stall
}

// Arbitrary odd constants that keep the content and timing streams apart.
const (
	timingSeedMix = 0x9e3779b97f4a7c15
	createdBase   = 1_700_000_000 // seeded `created` lies in 2023–2026, like real ones
	createdSpan   = 100_000_000
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// start seeds the state for one request, draws its token count when its shape has a
// distribution, and draws its plan. With a seed the output depends only on the seed and
// the request body; without one it is random.
func (st *streamState) start(p *requestParams, req *chatRequest, bodyHash uint64) plan {
	if p.seeded {
		st.contentSrc.Seed(p.seed, bodyHash)
		st.timingSrc.Seed(p.seed^timingSeedMix, bodyHash^timingSeedMix)
	} else {
		st.contentSrc.Seed(rand.Uint64(), rand.Uint64())
		st.timingSrc.Seed(rand.Uint64(), rand.Uint64())
	}
	st.id = append(st.id[:0], "chatcmpl-"...)
	for range 24 {
		st.id = append(st.id, idAlphabet[st.content.IntN(len(idAlphabet))])
	}
	if p.seeded {
		st.created = createdBase + st.content.Int64N(createdSpan)
	} else {
		st.created = time.Now().Unix()
	}
	st.words.reset(st.content)
	st.enc.reset(st.id, st.created, req.Model, req.includeUsage())
	if p.Shape.TokensDist != nil {
		st.drawTokens(p, req)
	}
	return st.plan(p)
}

func (st *streamState) plan(p *requestParams) plan {
	tokens, f := p.Shape.Tokens, p.Faults
	errorRoll, abortRoll := st.timing.Float64(), st.timing.Float64()
	randomAbortAt := 0
	if tokens > 0 {
		randomAbortAt = 1 + st.timing.IntN(tokens)
	}
	pl := plan{injectError: errorRoll < f.ErrorRate, abortAt: -1, stallAt: -1}
	if f.AbortAfter >= 0 {
		pl.abortAt = min(f.AbortAfter, tokens)
	}
	if abortRoll < f.AbortRate && (pl.abortAt < 0 || randomAbortAt < pl.abortAt) {
		pl.abortAt = randomAbortAt
	}
	if f.Stall > 0 {
		pl.stallAt = tokens / 2
	}
	return pl
}

// delay is the wait before content chunk i, jittered uniformly and clamped at zero.
func (st *streamState) delay(s *Shape, i int) time.Duration {
	d := s.InterTokenDelay
	if i == 0 {
		d = s.TimeToFirstToken
	}
	if s.Jitter > 0 {
		d += time.Duration(st.timing.Int64N(2*int64(s.Jitter)+1)) - s.Jitter
	}
	return max(d, 0)
}

// wait sleeps d on a reused timer, returning early with the context's error
// when the client goes away, so an abort is seen at once even mid-delay.
func (st *streamState) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if st.timer == nil {
		st.timer = time.NewTimer(d)
	} else {
		st.timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		st.timer.Stop()
		return ctx.Err()
	case <-st.timer.C:
		return nil
	}
}
