package stub

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestParseOverridesAppliesEveryHeader(t *testing.T) {
	defaults := DefaultConfig()
	cancelAt := time.Now().Add(time.Second).UnixNano()
	tests := []struct {
		header, value string
		check         func(p requestParams) bool
	}{
		{HeaderProfile, "realistic", func(p requestParams) bool { return p.Shape == RealisticShape() }},
		{HeaderProfile, "default", func(p requestParams) bool { return p.Shape == DefaultShape() }},
		{HeaderTokens, "0", func(p requestParams) bool { return p.Shape.Tokens == 0 }},
		{HeaderTokens, "300", func(p requestParams) bool { return p.Shape.Tokens == 300 }},
		{HeaderTokensDist, "lognormal:mean=50,sd=10", func(p requestParams) bool { return p.Shape.TokensDist.String() == "lognormal:mean=50,sd=10" }},
		{HeaderTimeToFirstToken, "250ms", func(p requestParams) bool { return p.Shape.TimeToFirstToken == 250*time.Millisecond }},
		{HeaderInterTokenDelay, "1.5ms", func(p requestParams) bool { return p.Shape.InterTokenDelay == 1500*time.Microsecond }},
		{HeaderJitter, "2ms", func(p requestParams) bool { return p.Shape.Jitter == 2*time.Millisecond }},
		{HeaderTokenSize, "16", func(p requestParams) bool { return p.Shape.TokenSize == 16 }},
		{HeaderSeed, "18446744073709551615", func(p requestParams) bool { return p.seeded && p.seed == 1<<64-1 }},
		{HeaderErrorRate, "0.25", func(p requestParams) bool { return p.Faults.ErrorRate == 0.25 }},
		{HeaderErrorStatus, "503", func(p requestParams) bool { return p.Faults.ErrorStatus == 503 }},
		{HeaderAbortRate, "1", func(p requestParams) bool { return p.Faults.AbortRate == 1 }},
		{HeaderAbortAfter, "3", func(p requestParams) bool { return p.Faults.AbortAfter == 3 }},
		{HeaderAbortAfter, "-1", func(p requestParams) bool { return p.Faults.AbortAfter == -1 }},
		{HeaderStall, "1s", func(p requestParams) bool { return p.Faults.Stall == time.Second }},
		{HeaderCancelAt, strconv.FormatInt(cancelAt, 10), func(p requestParams) bool { return p.cancelAt == cancelAt }},
	}
	for _, tc := range tests {
		t.Run(tc.header+"="+tc.value, func(t *testing.T) {
			h := http.Header{}
			h.Set(tc.header, tc.value)
			p, err := parseOverrides(h, defaults)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(p) {
				t.Errorf("not applied: %+v", p)
			}
		})
	}
}

func TestParseOverridesProfileThenFields(t *testing.T) {
	h := http.Header{}
	h.Set(HeaderProfile, ProfileRealistic)
	h.Set(HeaderTokens, "3")
	p, err := parseOverrides(h, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := RealisticShape()
	want.Tokens = 3
	if p.Shape != want {
		t.Errorf("shape %+v, want the realistic profile with 3 tokens", p.Shape)
	}
}

func TestParseOverridesWithoutHeadersKeepsDefaults(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Faults.Stall = time.Second
	p, err := parseOverrides(http.Header{"Content-Type": {"application/json"}}, cfg)
	if err != nil || p.Config != cfg || p.seeded {
		t.Errorf("got %+v, %v; want the defaults unseeded", p, err)
	}
}

func TestParseOverridesRejectsBadValues(t *testing.T) {
	for _, tc := range overrideHeaderCases() {
		h := http.Header{}
		h.Set(tc.header, tc.value)
		if _, err := parseOverrides(h, DefaultConfig()); err == nil {
			t.Errorf("%s: %q accepted", tc.header, tc.value)
		}
	}
}

func TestStreamHonoursShapeHeaders(t *testing.T) {
	s := startStub(t, zeroDelay())
	for _, tokens := range []int{0, 1, 33} {
		resp := s.post(t, t.Context(), chatBody, map[string]string{HeaderTokens: strconv.Itoa(tokens), HeaderTokenSize: "2"})
		events, err := readEvents(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != tokens+3 {
			t.Errorf("X-Stub-Tokens %d: %d events, want %d", tokens, len(events), tokens+3)
		}
	}
}
