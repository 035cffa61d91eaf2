package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ssebench/ssebench/internal/catalog"
)

func TestCommittedRulesMatchTheGenerator(t *testing.T) {
	want, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "ssebench.yml")
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the generator's output: run `go run ./prometheus/rules/gen` and commit the result", committed)
	}
}

func TestRenderedRulesAreValidForPrometheus(t *testing.T) {
	b, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	var groups ruleFile
	if err := yaml.Unmarshal(b, &groups); err != nil {
		t.Fatal(err)
	}
	records, alerts := map[string]bool{}, map[string]bool{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if err := catalog.Validate(r.Expr); err != nil {
				t.Errorf("%s%s: %v", r.Record, r.Alert, err)
			}
			if r.Record != "" {
				records[r.Record] = true
			}
			if r.Alert != "" {
				alerts[r.Alert] = true
				for _, key := range []string{"summary", "description", "dashboard"} {
					if r.Annotations[key] == "" {
						t.Errorf("%s has no %s annotation", r.Alert, key)
					}
				}
			}
		}
	}
	for _, name := range []string{catalog.TrendThroughputSeries, catalog.TrendLatencyP95Series, catalog.TrendCPUSeries, catalog.TrendMemoryPeakSeries} {
		if !records[name] {
			t.Errorf("no recording rule for %s, which the trend queries read", name)
		}
	}
	for _, name := range []string{"ThroughputRegression", "LatencyRegression", "CPURegression", "MemoryRegression",
		"StreamFailures", "StreamBuffered", "NagleStall", "ExporterTargetDown"} {
		if !alerts[name] {
			t.Errorf("alert %s missing", name)
		}
	}
}

func TestTestFilesAreNotPickedUpAsRuleFiles(t *testing.T) {
	// prometheus.yml loads rules/*.yml (promtool check rules in mk/rules.mk checks the rest): a promtool test file there would break Prometheus.
	matches, err := filepath.Glob(filepath.Join("..", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "rule_files:") {
			t.Errorf("%s is a promtool test file inside the rule glob; move it to tests/", m)
		}
	}
}
