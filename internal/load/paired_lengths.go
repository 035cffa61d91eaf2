package load

import (
	"net/http"
	"strconv"

	"github.com/ssebench/ssebench/internal/stub"
)

// pairedLengths gives each arrival of an arrival-rate scenario whose streams draw their
// length (X-Stub-Tokens-Dist) a seed of its own for the stub's draw (X-Stub-Seed), made
// from its arrival number and a salt (Options.LengthSalt). Every server run with the same
// salt then gets the same length for the same arrival: its figures are paired with
// direct's and with the other servers', instead of two samples of the distribution apart
// (a lognormal's sd is 75 % of its mean, so 1,500 unpaired lengths move a p50 duration by
// tens of milliseconds). A request that sets X-Stub-Seed or X-Stub-Tokens itself is left as
// it is.
type pairedLengths struct{ salt uint64 }

// newPairedLengths is nil unless the requests draw their length and choose no seed or count.
func newPairedLengths(h http.Header, salt uint64) *pairedLengths {
	if h.Get(stub.HeaderTokensDist) == "" || h.Get(stub.HeaderSeed) != "" || h.Get(stub.HeaderTokens) != "" {
		return nil
	}
	return &pairedLengths{salt: salt}
}

// noArrival is the arrival number of an iteration the closed executors start: they have no
// schedule shared across servers, so their lengths are drawn unpaired.
const noArrival = -1

// seed is the X-Stub-Seed value of arrival; false when it gets none.
func (p *pairedLengths) seed(arrival int64) (string, bool) {
	if p == nil || arrival < 0 {
		return "", false
	}
	return strconv.FormatUint(mix64(p.salt+uint64(arrival)*0x9e3779b97f4a7c15), 10), true
}

// mix64 is SplitMix64's finaliser: neighbouring arrivals get unrelated seeds.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
