package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestParseSLO(t *testing.T) {
	for text, want := range map[string]SLO{
		"ttft<=200ms,gap<=50ms":   {TTFT: 200 * time.Millisecond, Gap: 50 * time.Millisecond},
		"gap<=50ms,ttft<=1.5s":    {TTFT: 1500 * time.Millisecond, Gap: 50 * time.Millisecond},
		"ttft<=1s":                {TTFT: time.Second},
		"gap<=250us":              {Gap: 250 * time.Microsecond},
		" ttft <= 2s , gap<=1m ":  {TTFT: 2 * time.Second, Gap: time.Minute},
		DefaultSLO.String():       DefaultSLO,
		"ttft<=1h0m0.5s,gap<=1ns": {TTFT: time.Hour + 500*time.Millisecond, Gap: 1},
	} {
		got, err := ParseSLO(text)
		if err != nil || got != want {
			t.Errorf("ParseSLO(%q) = %+v, %v; want %+v", text, got, err, want)
			continue
		}
		if back, err := ParseSLO(got.String()); err != nil || back != got {
			t.Errorf("%q: String() %q reads back as %+v, %v", text, got.String(), back, err)
		}
	}
}

// TestParseSLORefuses: every error names what is wrong.
func TestParseSLORefuses(t *testing.T) {
	for text, wantInErr := range map[string]string{
		"":                       "at least one bound",
		"   ":                    "at least one bound",
		"tpot<=20ms":             `unknown key "tpot"`,
		"ttft<=1s,itl<=20ms":     `unknown key "itl"`,
		"ttft<1s":                `"ttft<1s": want key<=duration`,
		"ttft=1s":                `"ttft=1s": want key<=duration`,
		"ttft>=1s":               `"ttft>=1s": want key<=duration`,
		"ttft<=soon":             `"soon" is not a duration`,
		"ttft<=200":              `"200" is not a duration`,
		"gap<=1d":                `"1d" is not a duration`,
		"ttft<=0s":               "above 0",
		"gap<=-5ms":              "above 0",
		"ttft<=1s,":              `"": want key<=duration`,
		"ttft<=1s,ttft<=2s":      "ttft is bounded twice",
		"ttft<=1s;gap<=50ms":     `"1s;gap<=50ms" is not a duration`,
		"TTFT<=1s":               `unknown key "TTFT"`,
		"ttft<=1s,gap<=50ms,x<=": `unknown key "x"`,
	} {
		got, err := ParseSLO(text)
		if err == nil {
			t.Errorf("ParseSLO(%q) = %+v, want an error", text, got)
			continue
		}
		if !strings.Contains(err.Error(), wantInErr) {
			t.Errorf("ParseSLO(%q): %v; want it to say %q", text, err, wantInErr)
		}
	}
}

func TestSLOJudgesEachBound(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		slo        SLO
		first, gap time.Duration
		want       bool
	}{
		{SLO{TTFT: 200 * ms, Gap: 50 * ms}, 200 * ms, 50 * ms, true}, // a bound is inclusive: <=
		{SLO{TTFT: 200 * ms, Gap: 50 * ms}, 201 * ms, 0, false},
		{SLO{TTFT: 200 * ms, Gap: 50 * ms}, 0, 51 * ms, false},
		{SLO{TTFT: 200 * ms}, 10 * ms, time.Hour, true}, // no gap bound
		{SLO{Gap: 50 * ms}, time.Hour, 10 * ms, true},   // no TTFT bound
	} {
		if got := c.slo.met(c.first, c.gap); got != c.want {
			t.Errorf("%s with first event %v, largest gap %v: met %v, want %v", c.slo, c.first, c.gap, got, c.want)
		}
	}
	if (SLO{}).orDefault() != DefaultSLO || (SLO{Gap: ms}).orDefault() != (SLO{Gap: ms}) {
		t.Error("the zero SLO must stand for DefaultSLO, and only it")
	}
}

func TestSLOInJSONIsInMilliseconds(t *testing.T) {
	for slo, want := range map[SLO]string{
		{TTFT: 200 * time.Millisecond, Gap: 50 * time.Millisecond}: `{"ttft_ms":200,"gap_ms":50}`,
		{Gap: 250 * time.Microsecond}:                              `{"gap_ms":0.25}`,
	} {
		b, err := json.Marshal(slo)
		if err != nil || string(b) != want {
			t.Errorf("%s in JSON: %s, %v; want %s", slo, b, err, want)
		}
		var back SLO
		if err := json.Unmarshal(b, &back); err != nil || back != slo {
			t.Errorf("%s read back as %s, %v", b, back, err)
		}
	}
}

// sloServer streams five events and [DONE], and shapes each stream by its arrival order
// (mod sloStreamKinds), so that a run of sloStreamKinds streams has one of each.
const sloStall = 200 * time.Millisecond

const (
	sloClean     = iota // events back to back
	sloLongGap          // one gap of sloStall between the 2nd and 3rd events
	sloLateFirst        // the first event after sloStall
	sloNoDone           // prompt, but ends without [DONE]
	sloStatus500
	sloClean2
	sloStreamKinds
)

func sloServer(t *testing.T) *httptest.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := (n.Add(1) - 1) % sloStreamKinds
		if kind == sloStatus500 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		flusher := w.(http.Flusher)
		for i := range 5 {
			if (kind == sloLateFirst && i == 0) || (kind == sloLongGap && i == 2) {
				time.Sleep(sloStall)
			}
			fmt.Fprintf(w, "data: {\"choices\":[{\"delta\":{\"content\":\"tok%d\"}}]}\n\n", i)
			flusher.Flush()
		}
		if kind != sloNoDone {
			fmt.Fprint(w, "data: [DONE]\n\n")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSLOGoodputCountsTheStreamsWithinBounds: of one stream of each kind, exactly the two
// prompt, complete ones meet an SLO whose bounds are well under the stall, through either client.
func TestSLOGoodputCountsTheStreamsWithinBounds(t *testing.T) {
	slo := SLO{TTFT: sloStall / 2, Gap: sloStall / 2}
	for _, lean := range []bool{true, false} {
		t.Run(fmt.Sprintf("lean=%v", lean), func(t *testing.T) {
			srv := sloServer(t)
			reg := prometheus.NewRegistry()
			p, err := prepare(Options{Target: srv.URL, TestID: "t1", Server: "test", ScenarioName: "unit", Registry: reg,
				Scenario: ConstantVUs{VUs: 1, Duration: time.Second}, SLO: slo})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.closeIdle)
			if p.it.lean == nil {
				t.Fatal("a plain-http target does not use the lean client")
			}
			if !lean {
				p.it.lean = nil // the net/http path
			}
			for range sloStreamKinds {
				if !p.it.run(context.Background(), time.Now(), noArrival) {
					t.Fatal("an iteration reported itself interrupted")
				}
			}
			if got := gathered(t, reg)["ssebench_goodput_streams_total"]; got != 2 {
				t.Errorf("ssebench_goodput_streams_total = %v, want 2", got)
			}
			s := p.col.summary(Options{}, 2*time.Second)
			g := s.Goodput
			if g.SLO != slo || g.Streams != 2 || g.Of != sloStreamKinds || g.PerSecond != 1 {
				t.Errorf("goodput %+v, want 2 of %d streams under %s, 1/s", g, sloStreamKinds, slo)
			}
			var text bytes.Buffer
			if err := s.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if want := "goodput: 2 of 6 streams met the SLO (ttft<=100ms, gap<=100ms) = 33.33 %"; !strings.Contains(text.String(), want) {
				t.Errorf("the text summary lacks %q:\n%s", want, text.String())
			}
		})
	}
}

// TestSLODefaultJudgesARunGivenNone: every run has goodput, by DefaultSLO when Options has none.
func TestSLODefaultJudgesARunGivenNone(t *testing.T) {
	srv := streamServer(t)
	sum, err := Run(context.Background(), Options{Target: srv.URL, TestID: "t1", Server: "s1", ScenarioName: "unit",
		Scenario: ConstantVUs{VUs: 1, Duration: 50 * time.Millisecond, GracefulStop: 10 * time.Second},
		Headers:  http.Header{"X-Test-Events": {"3"}, "X-Test-Gap": {"5ms"}}, Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	g := sum.Goodput
	if g.SLO != DefaultSLO || g.Of == 0 || g.Streams != g.Of || g.Percent != 100 {
		t.Errorf("goodput %+v: want every stream of a prompt server to meet %s", g, DefaultSLO)
	}
	var js bytes.Buffer
	if err := sum.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"ttft_ms": 1000,`) || !strings.Contains(js.String(), `"gap_ms": 250`) {
		t.Errorf("the JSON summary does not record the SLO:\n%s", js.String())
	}
}
