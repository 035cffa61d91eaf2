package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/cli"
)

func TestCommittedRulesMatchTheGenerator(t *testing.T) {
	want, err := Render(DefaultLinks)
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
	b, err := Render(DefaultLinks)
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

// TestEveryAlertHasARunbookSection: runbook_url points at a section of README.md named
// after the alert, and the dashboard link starts at the Grafana base given.
func TestEveryAlertHasARunbookSection(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	links := Links{GrafanaURL: "https://grafana.example.com/", RunbookURL: "https://wiki.example.com/rb"}
	b, err := Render(links)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	alerts := 0
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts++
			if !strings.Contains(string(readme), "\n### "+r.Alert+"\n") {
				t.Errorf("%s: no '### %s' section in prometheus/rules/README.md", r.Alert, r.Alert)
			}
			if want := "https://wiki.example.com/rb#" + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
				t.Errorf("%s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
			}
			if !strings.HasPrefix(r.Annotations["dashboard"], "https://grafana.example.com/d/ssebench-run") {
				t.Errorf("%s: dashboard %q does not start at the Grafana given", r.Alert, r.Annotations["dashboard"])
			}
		}
	}
	if alerts == 0 {
		t.Fatal("no alerts rendered")
	}
}

func TestBadLinkFlagsExitTwo(t *testing.T) {
	for _, args := range [][]string{{"--grafana-url", "localhost:3000"}, {"--runbook-url", "/README.md"}} {
		var stdout, stderr bytes.Buffer
		code := run(append(args, "-o", "-"), cli.IO{Stdout: &stdout, Stderr: &stderr, LookupEnv: cli.MapEnv(nil)})
		if code != 2 || !strings.Contains(stderr.String(), args[0]) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the flag", args, code, stderr.String())
		}
	}
}
