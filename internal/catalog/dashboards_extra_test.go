package catalog

import (
	"strings"
	"testing"
	"time"
)

func TestTrendQueriesReadTheRecordingRuleContract(t *testing.T) {
	want := map[string]string{
		TrendThroughput.Name: "ssebench:run_throughput:req_per_second",
		TrendP95.Name:        "ssebench:run_latency_p95:seconds",
		TrendCPU.Name:        "ssebench:run_cpu:ratio",
		TrendMemory.Name:     "ssebench:run_memory_peak:bytes",
	}
	if len(TrendPanels) != len(want) {
		t.Fatalf("got %d trend panels, want %d", len(TrendPanels), len(want))
	}
	for _, q := range TrendPanels {
		series, ok := want[q.Name]
		if !ok {
			t.Fatalf("unexpected trend query %s", q.Name)
		}
		expr := q.MustRender(Vars{Servers: []string{"go-http"}})
		// The per-run final value, one sample per run, held over each panel step.
		if !strings.Contains(expr, "last_over_time("+series+`:final{server=~"go-http"}[60s])`) {
			t.Errorf("%s does not read the final values of %s filtered by server: %s", q.Name, series, expr)
		}
		if !strings.Contains(expr, "by (server, scenario)") {
			t.Errorf("%s must keep one line per server and scenario: %s", q.Name, expr)
		}
		if err := Validate(expr); err != nil {
			t.Error(err)
		}
	}
}

func TestRunLoadSamplesNeedsTestIDAndRange(t *testing.T) {
	q := RunLoadSamples
	if _, err := q.Render(Vars{Range: time.Hour}); err == nil {
		t.Errorf("%s rendered without a testid", q.Name)
	}
	expr := q.MustRender(Vars{TestID: "t1", Range: 7 * 24 * time.Hour})
	if expr != `k6_vus{testid="t1"}[604800s]` {
		t.Errorf("%s: %s", q.Name, expr)
	}
	if err := Validate(expr); err != nil {
		t.Error(err)
	}
}

func TestVariableSourcesAreSeriesSelectors(t *testing.T) {
	for _, q := range []Query{VarTestIDs, VarServers, VarTrendServers} {
		expr := q.MustRender(Vars{TestID: "t1"})
		if strings.ContainsAny(expr, "()") {
			t.Errorf("%s must be a bare selector for label_values: %s", q.Name, expr)
		}
		if err := Validate(expr); err != nil {
			t.Error(err)
		}
	}
}
