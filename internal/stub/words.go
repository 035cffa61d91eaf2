package stub

import "math/rand/v2"

// words are plain lowercase ASCII, so content never needs JSON escaping and
// the text a client reassembles is readable.
var words = [...]string{
	"the", "stream", "of", "tokens", "flows", "from", "model", "to", "client",
	"through", "a", "proxy", "that", "should", "relay", "each", "event", "as",
	"soon", "it", "arrives", "without", "buffering", "latency", "matters",
	"more", "than", "throughput", "when", "people", "read", "answers", "while",
	"they", "are", "written", "every", "chunk", "carries", "few", "characters",
	"and", "server", "sends", "them", "one", "by", "over", "keep", "alive",
	"connection", "quick", "brown", "fox", "jumps", "lazy", "dog", "in",
	"morning", "light", "measure", "twice", "cut", "once", "small", "writes",
	"need", "no", "delay", "benchmark", "numbers", "tell", "story", "about",
	"runtime", "memory", "cpu", "time", "first", "byte", "last", "done",
}

// wordStream cuts a run of random words, separated by single spaces, into
// pieces of an exact size: like real tokens, a piece may split a word.
type wordStream struct {
	rng     *rand.Rand
	current string
	pos     int
	started bool
}

func (s *wordStream) reset(rng *rand.Rand) {
	*s = wordStream{rng: rng}
}

// next appends the next n characters of the text to dst.
func (s *wordStream) next(dst []byte, n int) []byte {
	for n > 0 {
		if s.pos == len(s.current) {
			s.nextWord()
		}
		take := min(n, len(s.current)-s.pos)
		dst = append(dst, s.current[s.pos:s.pos+take]...)
		s.pos += take
		n -= take
	}
	return dst
}

// spaced holds " "+word for every word, built once, so advancing costs no allocation.
var spaced = func() [len(words)]string {
	var out [len(words)]string
	for i, w := range words {
		out[i] = " " + w
	}
	return out
}()

func (s *wordStream) nextWord() {
	i := s.rng.IntN(len(words))
	if s.started {
		s.current = spaced[i]
	} else {
		s.current = words[i]
		s.started = true
	}
	s.pos = 0
}
