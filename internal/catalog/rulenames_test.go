package catalog

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ssebench/ssebench/internal/promrun"
)

// Prometheus' rule naming convention: level:metric:operations, the level being the labels
// the series keeps.
var ruleName = regexp.MustCompile(`^([a-z]+(?:_[a-z]+)*):([a-z0-9_]+):([a-z0-9_]+)$`)

func TestRecordedSeriesFollowLevelMetricOperations(t *testing.T) {
	levels := map[string][]string{
		"server_scenario":        {"server", "scenario"},
		"testid_server_scenario": {"testid", "server", "scenario"},
	}
	for _, g := range RuleGroups() {
		for _, r := range g.Recording {
			m := ruleName.FindStringSubmatch(r.Record)
			if m == nil {
				t.Errorf("%s is not level:metric:operations", r.Record)
				continue
			}
			labels, ok := levels[m[1]]
			if !ok {
				t.Errorf("%s: level %q is not one of the label sets the rules keep", r.Record, m[1])
				continue
			}
			// The level names the labels the series keeps: the expression aggregates to
			// them, or derives from a rule series of the same level.
			by := "by (" + strings.Join(labels, ", ") + ")"
			if !strings.Contains(r.Query.Expr, by) && !strings.Contains(r.Query.Expr, m[1]+":") {
				t.Errorf("%s: level %s, but the expression neither aggregates %s nor reads a series of that level: %s", r.Record, m[1], by, r.Query.Expr)
			}
			if strings.HasPrefix(m[2], "ssebench:") || strings.HasSuffix(m[2], "_total") {
				t.Errorf("%s: the metric part keeps a namespace or a _total suffix", r.Record)
			}
		}
	}
}

func TestDerivedNamesPutTheNewestOperationFirst(t *testing.T) {
	live := "server_scenario:k6_http_reqs:rate_run"
	for got, want := range map[string]string{
		FinalOf(live):    "server_scenario:k6_http_reqs:final_rate_run",
		BaselineOf(live): "server_scenario:k6_http_reqs:median14d_final_rate_run",
		SpreadOf(live):   "server_scenario:k6_http_reqs:robust_sd14d_final_rate_run",
		RunsOf(live):     "server_scenario:k6_http_reqs:count14d_final_rate_run",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

// Data kept from before the rename holds the trend finals under their legacy names: a
// trend panel must draw those runs and the new ones as one line. promtool evaluates the
// rendered panel query at a legacy run, at a new run, and between runs.
func TestTrendsReadLegacyAndNewFinalsAsOneLine(t *testing.T) {
	promtool := promrun.RequireTool(t, "promtool", "SSEBENCH_PROMTOOL")
	expr := TrendThroughput.MustRender(Vars{Servers: []string{"go-http"}, Interval: time.Minute})
	test := map[string]any{
		"rule_files":          []string{},
		"evaluation_interval": "1m",
		"tests": []map[string]any{{
			"interval": "1m",
			"input_series": []map[string]string{
				{"series": legacyFinals[TrendThroughputSeries] + `{server="go-http", scenario="stress"}`, "values": "4000"},
				{"series": FinalOf(TrendThroughputSeries) + `{server="go-http", scenario="stress"}`, "values": "_ _ _ _ _ 4200"},
				{"series": FinalOf(TrendThroughputSeries) + `{server="bun-http", scenario="stress"}`, "values": "_ _ _ _ _ 10"},
			},
			"promql_expr_test": []map[string]any{
				{"expr": expr, "eval_time": "0m", "exp_samples": []map[string]any{{"labels": `{server="go-http", scenario="stress"}`, "value": 4000}}},
				{"expr": expr, "eval_time": "3m", "exp_samples": []map[string]any{}},
				{"expr": expr, "eval_time": "5m", "exp_samples": []map[string]any{{"labels": `{server="go-http", scenario="stress"}`, "value": 4200}}},
			},
		}},
	}
	b, err := yaml.Marshal(test)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "legacy_test.yml")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "test", "rules", file).CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s\nexpression: %s", err, out, expr)
	}
}
