package load

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ssebench/ssebench/internal/metricname"
)

// documented is one row of docs/metrics.md's load-result tables.
type documented struct {
	kind   string // "counter", "gauge", "native histogram"
	labels []string
}

// loadMetricsDoc reads the "Load results" section of docs/metrics.md: the k6 table (name,
// type, extra labels, meaning) and the ssebench extras (name, type, meaning).
func loadMetricsDoc(t *testing.T) map[string]documented {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]documented{}
	inLoad := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			inLoad = strings.HasPrefix(line, "## Load results")
		}
		if !inLoad || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		name := strings.Trim(strings.TrimSpace(cells[0]), "`")
		doc := documented{kind: strings.TrimSpace(cells[1])}
		if base, labels, ok := strings.Cut(name, "{"); ok { // the extras' table names labels in the name: x{outcome}
			name = base
			doc.labels = strings.Split(strings.TrimSuffix(labels, "}"), ",")
		}
		if len(cells) == 4 { // the k6 table has an extra-labels column
			for _, l := range strings.Split(cells[2], ",") {
				if l = strings.Trim(strings.TrimSpace(l), "`"); l != "" {
					doc.labels = append(doc.labels, l)
				}
			}
		}
		out[name] = doc
	}
	for _, name := range metricname.Runner {
		delete(out, name) // the runner's, not the load generator's
	}
	if len(out) < 20 {
		t.Fatalf("found %d metrics in docs/metrics.md's load tables; the parser no longer matches the file", len(out))
	}
	return out
}

// clientSeries are the misbehaving clients' series: a run exposes them only with its clients.
var clientSeries = []string{metricname.ClientCancels, metricname.SlowReaders, metricname.SlowReaderStreams, metricname.SlowReaderCutAfter}

// A run with both kinds of misbehaving clients exposes every series of the docs, labelled as they say.
func TestMetricsMatchTheDocs(t *testing.T) {
	docs := loadMetricsDoc(t)
	srv := streamServer(t)
	reg := prometheus.NewRegistry()
	_, err := Run(context.Background(), Options{Target: srv.URL, TestID: "t1", Server: "s1", ScenarioName: "sc1",
		Scenario: ConstantArrivalRate{Rate: 20, TimeUnit: time.Second, Duration: 300 * time.Millisecond,
			PreAllocatedVUs: 2, MaxVUs: 4, GracefulStop: 10 * time.Second},
		Clients: Clients{Cancel: &CancelClients{Share: 0.5}, SlowReaders: &SlowReaders{Count: 1, BytesPerSecond: 1 << 20}},
		Headers: http.Header{"X-Test-Events": {"3"}, "X-Test-Gap": {"1ms"}}, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, fam := range families {
		name := fam.GetName()
		seen[name] = true
		doc, ok := docs[name]
		if !ok {
			t.Errorf("%s is exposed but not in docs/metrics.md", name)
			continue
		}
		checkType(t, fam, doc.kind)
		for _, m := range fam.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName())
			}
			want := append([]string{"scenario", "server", "testid"}, doc.labels...)
			slices.Sort(want)
			if !slices.Equal(labels, want) {
				t.Errorf("%s labels %v, want %v", name, labels, want)
			}
			for _, lp := range m.GetLabel() {
				if v := map[string]string{"testid": "t1", "server": "s1", "scenario": "sc1"}[lp.GetName()]; v != "" && lp.GetValue() != v {
					t.Errorf("%s %s=%q, want %q", name, lp.GetName(), lp.GetValue(), v)
				}
			}
		}
	}
	for name := range docs {
		if !seen[name] {
			t.Errorf("%s is in docs/metrics.md but was not exposed after a run", name)
		}
	}
	for _, name := range metricname.LoadGenerator {
		if !seen[name] {
			t.Errorf("%s is in metricname.LoadGenerator but was not exposed after a run", name)
		}
	}
	if len(seen) != len(metricname.LoadGenerator) {
		t.Errorf("%d series exposed, metricname.LoadGenerator names %d", len(seen), len(metricname.LoadGenerator))
	}
}

// A run without misbehaving clients exposes what it always did: none of their series.
func TestARunWithoutClientsExposesNoClientSeries(t *testing.T) {
	srv := streamServer(t)
	reg := prometheus.NewRegistry()
	_, err := Run(context.Background(), Options{Target: srv.URL, TestID: "t1", Server: "s1", ScenarioName: "sc1",
		Scenario: ConstantVUs{VUs: 2, Duration: 100 * time.Millisecond, GracefulStop: 10 * time.Second},
		Headers:  http.Header{"X-Test-Events": {"3"}}, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fam := range families {
		got = append(got, fam.GetName())
	}
	var want []string
	for _, name := range metricname.LoadGenerator {
		if !slices.Contains(clientSeries, name) {
			want = append(want, name)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("a run without clients exposes %v, want %v", got, want)
	}
}

func checkType(t *testing.T, fam *dto.MetricFamily, kind string) {
	t.Helper()
	switch {
	case kind == "counter":
		if fam.GetType() != dto.MetricType_COUNTER {
			t.Errorf("%s is %v, docs say counter", fam.GetName(), fam.GetType())
		}
	case strings.HasPrefix(kind, "gauge"):
		if fam.GetType() != dto.MetricType_GAUGE {
			t.Errorf("%s is %v, docs say gauge", fam.GetName(), fam.GetType())
		}
	case kind == "native histogram":
		if fam.GetType() != dto.MetricType_HISTOGRAM {
			t.Fatalf("%s is %v, docs say native histogram", fam.GetName(), fam.GetType())
		}
		for _, m := range fam.GetMetric() {
			h := m.GetHistogram()
			if h.Schema == nil || h.GetSchema() != 5 || len(h.GetBucket()) != 0 {
				t.Errorf("%s: schema %v with %d classic buckets, want native schema 5 and none", fam.GetName(), h.Schema, len(h.GetBucket()))
			}
		}
	default:
		t.Errorf("%s: unknown documented type %q", fam.GetName(), kind)
	}
}

func TestRunAgreesWithItsMetrics(t *testing.T) {
	srv := streamServer(t)
	reg := prometheus.NewRegistry()
	var reports []Progress
	sum, err := Run(context.Background(), Options{Target: srv.URL + "/", TestID: "t1", Server: "s1", ScenarioName: "sc1",
		Scenario: RampingVUs{StartVUs: 1, GracefulRampDown: 5 * time.Second, GracefulStop: 10 * time.Second,
			Stages: []Stage{{300 * time.Millisecond, 8}, {300 * time.Millisecond, 0}}},
		Headers: http.Header{"X-Test-Events": {"4"}, "X-Test-Gap": {"2ms"}}, Registry: reg,
		Progress: func(p Progress) { reports = append(reports, p) }})
	if err != nil {
		t.Fatal(err)
	}
	got := gathered(t, reg)
	url := srv.URL + ChatCompletionsPath
	ok := `{expected_response="true",method="POST",name="` + url + `",status="200"}`
	if sum.Requests == 0 || sum.Failed != 0 || sum.Aborted {
		t.Fatalf("summary: %d requests, %d failed, aborted %v; want some, none failed", sum.Requests, sum.Failed, sum.Aborted)
	}
	checks := []struct {
		name      string
		prom, sum float64
	}{
		{"k6_http_reqs_total", got["k6_http_reqs_total"+ok], float64(sum.Requests)},
		{"k6_iterations_total", got["k6_iterations_total"], float64(sum.Iterations)},
		{"requests = iterations", float64(sum.Requests), float64(sum.Iterations)},
		{"k6_data_received_total", got["k6_data_received_total"], float64(sum.DataReceived)},
		{"k6_data_sent_total", got["k6_data_sent_total"], float64(sum.DataSent)},
		{"ssebench_stream_events_total", got["ssebench_stream_events_total"], float64(sum.Events)},
		{"events per stream", float64(sum.Events), 5 * float64(sum.Requests)},
		{"ssebench_event_gap_seconds count", got["ssebench_event_gap_seconds"], float64(sum.EventGap.Count)},
		{"ssebench_http_req_duration_max_seconds", got["ssebench_http_req_duration_max_seconds"], sum.HTTPReqDuration.Max.Seconds()},
		{"ssebench_load_elapsed_seconds", got["ssebench_load_elapsed_seconds"], sum.Elapsed.Seconds()},
		{"k6_vus_max", got["k6_vus_max"], 8},
		{"k6_vus at the end", got["k6_vus"], 0},
		{`k6_checks_rate{check="stream ended with [DONE]"}`, got[`k6_checks_rate{check="stream ended with [DONE]"}`], 1},
	}
	for _, c := range checks {
		if c.prom != c.sum {
			t.Errorf("%s: %v, want %v", c.name, c.prom, c.sum)
		}
	}
	if len(reports) == 0 || reports[len(reports)-1].Requests != sum.Requests || reports[len(reports)-1].Total != 600*time.Millisecond {
		t.Errorf("progress reports %+v: want a final one with every request and the scenario's 600ms", reports)
	}
}
