package results

import (
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/catalog"
)

func TestFindingsNameTheServerThatBuffers(t *testing.T) {
	share := catalog.ResultsFirstTokenShare.Name
	tab := &Table{Rows: []Row{
		{Server: "nginx-defaults", Scenario: "baseline", Values: map[string]float64{share: 0.97}},
		{Server: "nginx", Scenario: "baseline", Values: map[string]float64{share: 0.18}},
		{Server: Reference, Scenario: "baseline", Values: map[string]float64{share: 0.99}},
		{Server: "gone", Scenario: "baseline", Values: map[string]float64{}},
		// Its streams failed at a header deadline: each ended with its first byte.
		{Server: "bun-http", Scenario: "idle-streams", Values: map[string]float64{share: 0.95, catalog.ResultsFailPercent.Name: 98.8}},
	}}
	got := Findings(tab)
	if len(got) != 1 || got[0].Server != "nginx-defaults" || got[0].Kind != FindingBuffered {
		t.Fatalf("findings %+v, want nginx-defaults buffered only", got)
	}
	var b strings.Builder
	if err := WriteFindings(&b, got, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Findings", "**nginx-defaults** buffers the stream: TTFT equals the stream's duration", "97 %"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := WriteFindings(&b, nil, false); err != nil || b.Len() != 0 {
		t.Errorf("no findings wrote %q", b.String())
	}
}
