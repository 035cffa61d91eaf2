package alertmanager_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/ssebench/ssebench/internal/alertmanager"
	"github.com/ssebench/ssebench/internal/benchtest"
	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/promrun"
)

// The stub's pace in this test: 8 tokens 30 ms apart, so a stream takes about 240 ms and
// throughput depends on the upstream's pace far more than on the machine's load.
const (
	normalDelay = 30 * time.Millisecond
	slowDelay   = 45 * time.Millisecond // 50 % slower between tokens
	runLength   = 8 * time.Second       // long enough that a scheduling hiccup of a loaded machine moves p95 by well under 20 %
	vus         = 10
)

// TestThroughputRegressionReachesTheWebhook runs real go-http load runs into a real
// Prometheus loaded with prometheus/rules and wired to a real Alertmanager: three earlier
// runs, a run at normal speed (nothing fires), then a run with the stub 50 % slower
// between tokens, whose ThroughputRegression must reach the webhook receiver.
func TestThroughputRegressionReachesTheWebhook(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: runs five load runs")
	}
	promBin := promrun.RequireBinary(t)
	amBin := alertmanager.RequireBinary(t)

	rcv := &alertmanager.Receiver{}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	am := startAlertmanager(t, amBin, hook.URL+"/alerts")
	prom := startPrometheus(t, promBin, am.Address())
	client := prom.Client()

	stubURL := benchtest.StartStub(t)
	proxy := benchtest.StartServer(t, "go-http", stubURL)
	run := func(testid string, delay time.Duration) {
		sum := benchtest.Push(t, benchtest.Run{WriteURL: prom.RemoteWriteURL(), Target: proxy.URL(), TestID: testid,
			Server: "go-http", Scenario: catalog.ScenarioBaseline, VUs: vus, Duration: runLength, InterTokenDelay: delay})
		t.Logf("%s: %d requests, %.1f req/s by the engine's count", testid, sum.Requests, sum.RequestRate)
	}
	logFinals := func() {
		v, err := client.QueryVector(context.Background(), `{__name__=~"server_scenario:.+:final_.+", server="go-http"}`, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range v {
			t.Logf("  %s = %.4g", s.Metric["__name__"], float64(s.Value))
		}
	}
	finals := fmt.Sprintf(`count_over_time(%s{server="go-http", scenario="baseline"}[1h])`, catalog.FinalOf(catalog.TrendThroughputSeries))

	for i := range 3 {
		run(fmt.Sprintf("history-%d", i), normalDelay)
		waitForValue(t, client, finals, float64(i+1))
		logFinals()
	}
	run("normal", normalDelay)
	waitForValue(t, client, finals, 4)
	logFinals()
	normalVerdict := time.Now()
	// The alert rules evaluate every second: a few evaluations after the final, the normal
	// run's verdict has been judged; the slow run starts after that.
	waitForEvaluations(t, client, normalVerdict, 3)
	slowStart := time.Now()
	run("slow", slowDelay)
	waitForValue(t, client, finals, 5)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := rcv.Wait(ctx, alertmanager.Firing("ThroughputRegression"))
	if err != nil {
		t.Fatalf("%v; received so far: %+v", err, rcv.Alerts())
	}
	t.Logf("webhook received: %s | %s | %s", a.Annotations["summary"], a.Annotations["description"], a.Annotations["dashboard"])
	if a.Labels["testid"] != "slow" || a.Labels["server"] != "go-http" || a.Labels["scenario"] != "baseline" {
		t.Errorf("alert labels: %v", a.Labels)
	}
	for _, want := range []string{"go-http", "baseline", "run slow", "req/s", "median"} {
		if !strings.Contains(a.Annotations["description"], want) {
			t.Errorf("description lacks %q: %s", want, a.Annotations["description"])
		}
	}
	if !strings.HasSuffix(a.Annotations["dashboard"], "/d/ssebench-run?var-testid=slow&var-server=go-http") {
		t.Errorf("dashboard link: %s", a.Annotations["dashboard"])
	}

	// Nothing fired between the normal run's verdict and the slow run's start.
	window := slowStart.Sub(normalVerdict).Round(time.Second) + time.Second
	count, err := client.QueryVector(context.Background(),
		fmt.Sprintf(`count by (alertname, testid) (count_over_time(ALERTS{alertstate="firing"}[%ds]))`, int(window.Seconds())), slowStart)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range count {
		t.Errorf("alert fired after the normal run: %s", s.Metric)
	}
	for _, got := range rcv.Alerts() {
		if got.Labels["testid"] != "slow" {
			t.Errorf("the webhook received an alert for a run at normal speed: %v", got.Labels)
		}
	}
}

func startAlertmanager(t *testing.T, bin, webhookURL string) *alertmanager.Server {
	t.Helper()
	base, err := alertmanager.DefaultConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "alertmanager.yml")
	if err := alertmanager.WriteConfig(base, cfg, webhookURL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	am, err := alertmanager.Start(ctx, alertmanager.Options{Binary: bin, ConfigFile: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := am.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return am
}

// startPrometheus starts Prometheus on a run directory of the repository's configuration
// (so it loads prometheus/rules/*.yml), with an alerting section for am.
func startPrometheus(t *testing.T, bin, amAddress string) *promrun.Server {
	t.Helper()
	base, err := promrun.BaseConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := promrun.PrepareRunDir(t.TempDir(), base)
	if err != nil {
		t.Fatal(err)
	}
	if err := alertmanager.AddToPrometheusConfig(cfg, amAddress); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	prom, err := promrun.Start(ctx, promrun.Options{Binary: bin, ConfigFile: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := prom.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return prom
}

// waitForValue polls expr until it equals want (the rules evaluate every second).
func waitForValue(t *testing.T, c *promrun.Client, expr string, want float64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var last string
	for time.Now().Before(deadline) {
		v, err := c.QueryVector(context.Background(), expr, time.Now())
		if err == nil && len(v) == 1 && float64(v[0].Value) == want {
			return
		}
		last = fmt.Sprint(v, err)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s did not reach %v within a minute; last: %s", expr, want, last)
}

// waitForEvaluations waits until the alerting groups have evaluated n times after since.
func waitForEvaluations(t *testing.T, c *promrun.Client, since time.Time, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		rules, err := c.API.Rules(context.Background(), nil)
		if err == nil && allEvaluatedAfter(rules.Groups, since.Add(time.Duration(n)*time.Second)) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("rule groups did not evaluate %d times after %s", n, since)
}

// allEvaluatedAfter reports whether every alerting rule's last evaluation is after t;
// rules with errors count as not evaluated, so a broken rule fails the wait loudly.
func allEvaluatedAfter(groups []v1.RuleGroup, t time.Time) bool {
	seen := 0
	for _, g := range groups {
		for _, r := range g.Rules {
			a, ok := r.(v1.AlertingRule)
			if !ok {
				continue
			}
			seen++
			if a.LastError != "" || a.LastEvaluation.Before(t) {
				return false
			}
		}
	}
	return seen > 0
}
