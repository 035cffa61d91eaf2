package runner

import (
	"net/http"
	"testing"

	"github.com/ssebench/ssebench/internal/load"
)

// A scenario's stream shape goes with every request, under the target's own headers
// (--header and the server's), which say the last word.
func TestScenarioStreamShapeUnderTheTargetsHeaders(t *testing.T) {
	sc := namedScenario{Name: "idle-streams", Stream: load.StreamShape{Tokens: 60, InterTokenDelay: 1e9}}
	tg := target{headers: http.Header{"X-Stub-Tokens": {"5"}, "X-Portkey-Provider": {"openai"}}}
	h := sc.headers(tg)
	if h.Get("X-Stub-Tokens") != "5" || h.Get("X-Stub-Inter-Token-Delay") != "1s" || h.Get("X-Portkey-Provider") != "openai" {
		t.Fatalf("headers %v: want the shape's delay, the target's tokens and routing", h)
	}
	if got := (namedScenario{}).headers(target{}); len(got) != 0 {
		t.Fatalf("no shape, no target headers: got %v", got)
	}
}
