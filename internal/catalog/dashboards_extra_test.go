package catalog

import (
	"strings"
	"testing"
	"time"
)

func TestTrendQueriesReadTheRecordingRuleContract(t *testing.T) {
	want := map[string]string{
		TrendThroughput.Name: "server_scenario:k6_http_reqs:rate_run",
		TrendP95.Name:        "server_scenario:k6_http_req_duration_seconds:p95_run",
		TrendCPU.Name:        "server_scenario:ssebench_process_cpu_seconds:rate_run",
		TrendMemory.Name:     "server_scenario:ssebench_process_resident_memory_peak_bytes:max_run",
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
		for _, final := range []string{FinalOf(series), legacyFinals[series]} {
			if !strings.Contains(expr, "last_over_time("+final+`{server=~"go-http"}[60s])`) {
				t.Errorf("%s does not read %s filtered by server: %s", q.Name, final, expr)
			}
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
