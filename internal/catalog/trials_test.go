package catalog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/prompb"

	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/stats"
)

// The across-trials queries are the results table's own expressions, grouped per trial.
func TestTrialColumnsReuseTheResultsExpressions(t *testing.T) {
	for _, c := range trialColumns {
		if got := strings.TrimSpace(dedent(c.build(allScenarios))); got != c.results.Expr {
			t.Errorf("%s: the builder of its trials queries gives another expression than the column's:\n%s\n%s", c.results.Name, got, c.results.Expr)
		}
		perTrial := strings.TrimSpace(dedent(c.build(trialRuns)))
		if !strings.Contains(perTrial, "by (testid, server, scenario)") || strings.Contains(perTrial, "by (server, scenario)") {
			t.Errorf("%s per trial is not grouped by (testid, server, scenario): %s", c.results.Name, perTrial)
		}
		if strings.Contains(perTrial, `testid="$testid"`) || !strings.Contains(perTrial, `testid=~"$run(-t[0-9]+)?"`) {
			t.Errorf("%s per trial does not select every trial of $run: %s", c.results.Name, perTrial)
		}
		mean, ok1 := TrialMean(c.results)
		half, ok2 := TrialHalfWidth(c.results)
		if !ok1 || !ok2 || !strings.Contains(mean.Expr, perTrial) || !strings.Contains(half.Expr, perTrial) {
			t.Errorf("%s: the trials queries do not wrap its per-trial expression", c.results.Name)
		}
	}
	if want := 2*len(trialColumns) + 1; len(TrialsColumns) != want {
		t.Errorf("%d trials columns, want %d", len(TrialsColumns), want)
	}
}

// The Grafana run variable's regex (JavaScript; the same syntax in RE2 here) cuts the trial
// suffix as internal/run.SplitTestID does (run's own test checks TestIDPattern against it).
func TestRunOfTestIDRegexStripsTheTrialSuffix(t *testing.T) {
	re := regexp.MustCompile(strings.Trim(RunOfTestIDRegex, "/"))
	for testid, want := range map[string]string{
		"20261202-120000":       "20261202-120000",
		"20261202-120000-t1":    "20261202-120000",
		"20261202-120000-t12":   "20261202-120000",
		"20261202-120000-sweep": "20261202-120000-sweep",
		"a-t2-t3":               "a-t2",
		"run.1-tx":              "run.1-tx",
	} {
		m := re.FindStringSubmatch(testid)
		if m == nil || m[1] != want {
			t.Errorf("%q: run %v, want %q", testid, m, want)
		}
	}
}

// prom is a real Prometheus (internal/promrun, the binary `make deps` pins) that takes
// synthetic series by remote write.
type prom struct {
	srv    *promrun.Server
	client *promrun.Client
}

func startProm(t *testing.T) *prom {
	t.Helper()
	bin := promrun.RequireBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := promrun.Start(ctx, promrun.Options{Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	return &prom{srv: srv, client: srv.Client()}
}

// push sends a remote-write 1.0 request.
func (p *prom) push(t *testing.T, req *prompb.WriteRequest) {
	t.Helper()
	data, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.NewRequest(http.MethodPost, p.srv.RemoteWriteURL(), bytes.NewReader(s2.EncodeSnappy(nil, data)))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-protobuf")
	r.Header.Set("Content-Encoding", "snappy")
	r.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("remote write: %s %s", resp.Status, body)
	}
}

// evaluate runs an instant query and returns its samples by "server scenario" (or "" when
// the result has no labels).
func (p *prom) evaluate(t *testing.T, expr string, at time.Time) map[string]float64 {
	t.Helper()
	return p.evaluateKeyed(t, expr, at, func(m model.Metric) string {
		return strings.TrimSpace(string(m["server"]) + " " + string(m["scenario"]))
	})
}

// evaluateKeyed runs an instant query and returns its float samples by key(labels).
func (p *prom) evaluateKeyed(t *testing.T, expr string, at time.Time, key func(model.Metric) string) map[string]float64 {
	t.Helper()
	vec, err := p.client.QueryVector(context.Background(), expr, at)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, s := range vec {
		if s.Histogram != nil {
			t.Fatalf("histogram result for %s", expr)
		}
		out[key(s.Metric)] = float64(s.Value)
	}
	return out
}

// synthetic is a set of series, each with its samples in time order.
type synthetic struct {
	base   time.Time // second 0
	series map[string]*prompb.TimeSeries
	order  []string
}

func newSynthetic(base time.Time) *synthetic {
	return &synthetic{base: base, series: map[string]*prompb.TimeSeries{}}
}

func (s *synthetic) of(name string, labels ...string) *prompb.TimeSeries {
	key := name + fmt.Sprint(labels)
	if ts, ok := s.series[key]; ok {
		return ts
	}
	ts := &prompb.TimeSeries{Labels: []prompb.Label{{Name: "__name__", Value: name}}}
	for i := 0; i < len(labels); i += 2 {
		ts.Labels = append(ts.Labels, prompb.Label{Name: labels[i], Value: labels[i+1]})
	}
	sort.Slice(ts.Labels, func(i, j int) bool { return ts.Labels[i].Name < ts.Labels[j].Name })
	s.series[key] = ts
	s.order = append(s.order, key)
	return ts
}

func (s *synthetic) ms(second int) int64 {
	return s.base.Add(time.Duration(second) * time.Second).UnixMilli()
}

func (s *synthetic) float(ts *prompb.TimeSeries, second int, v float64) {
	ts.Samples = append(ts.Samples, prompb.Sample{Value: v, Timestamp: s.ms(second)})
}

func (s *synthetic) request() *prompb.WriteRequest {
	req := &prompb.WriteRequest{}
	for _, key := range s.order {
		req.Timeseries = append(req.Timeseries, *s.series[key])
	}
	return req
}

// trialLoad is one load run of one server: 10 s under the stress scenario.
type trialLoad struct {
	testid, server string
	start          int     // first second
	reqPerSecond   float64 // the run's exact req/s
	slow           int64   // streams of 100 in the slowest histogram bucket: moves p95
	cpuPerSecond   float64 // the server's CPU seconds per second during the run
}

const loadSeconds = 10

// add pushes what the load generator pushes for one run: active VUs (stale-marked at the
// end, which closes the active window), requests, elapsed time and the native histogram
// of stream durations (schema 0: buckets (0.5, 1], (1, 2] and (2, 4] s).
func (s *synthetic) add(l trialLoad) {
	labels := []string{"testid", l.testid, "server", l.server, "scenario", "stress"}
	vus, reqs, elapsed, dur := s.of("k6_vus", labels...), s.of("k6_http_reqs_total", labels...),
		s.of("ssebench_load_elapsed_seconds", labels...), s.of("k6_http_req_duration_seconds", labels...)
	// Every stream but the slow ones met the SLO.
	iterations, goodput := s.of("k6_iterations_total", labels...), s.of("ssebench_goodput_streams_total", labels...)
	for i := range loadSeconds {
		at := l.start + i
		s.float(vus, at, 10)
		s.float(reqs, at, l.reqPerSecond*float64(i+1))
		s.float(elapsed, at, float64(i+1))
		s.float(iterations, at, l.reqPerSecond*float64(i+1))
		s.float(goodput, at, (l.reqPerSecond-float64(l.slow))*float64(i+1))
		counts := []int64{50, 50 - l.slow, l.slow}
		dur.Histograms = append(dur.Histograms, prompb.Histogram{
			Count: &prompb.Histogram_CountInt{CountInt: 100}, Sum: 100 + float64(l.slow),
			Schema: 0, ZeroThreshold: 1e-128, ZeroCount: &prompb.Histogram_ZeroCountInt{ZeroCountInt: 0},
			PositiveSpans:  []prompb.BucketSpan{{Offset: 0, Length: 3}},
			PositiveDeltas: []int64{counts[0], counts[1] - counts[0], counts[2] - counts[1]},
			Timestamp:      s.ms(at),
		})
	}
	s.float(vus, l.start+loadSeconds, math.Float64frombits(value.StaleNaN))
	// The rules' run-end series: one sample a second after the end, valued with its time.
	end := l.start + loadSeconds + 1
	s.float(s.of(RunEndSeries, labels...), end, float64(s.ms(end))/1000)
}

// Three synthetic trials of a run, two servers each, then a single-trial run, pushed to a
// real Prometheus: the across-trials queries give the mean and Student's t half width that
// internal/stats computes from the per-trial values of the results-table queries, and N;
// a single trial gives N = 1 and a NaN half width. A sweep testid and another run whose id
// starts the same are not counted as trials. And the t chain is stats.TQuantile, and the
// Runs table (runs.go) gives each testid its whole run's window.
func TestAcrossTrialsQueriesEvaluateToStatsOverTrials(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	p := startProm(t)
	const seconds = 200
	s := newSynthetic(time.Now().Add(-(seconds + 60) * time.Second).Truncate(time.Second))
	var loads []trialLoad
	add := func(l trialLoad) { loads = append(loads, l); s.add(l) }
	for k, c := range []struct {
		req, cpuA, cpuB float64
		slow            int64
	}{{1000, 0.50, 0.90, 4}, {1100, 0.62, 0.85, 7}, {950, 0.55, 1.10, 5}} {
		testid := fmt.Sprintf("r-t%d", k+1)
		base := 10 + 40*k
		add(trialLoad{testid: testid, server: "go-http", start: base, reqPerSecond: c.req, slow: c.slow, cpuPerSecond: c.cpuA})
		add(trialLoad{testid: testid, server: "bun-hono", start: base + 15, reqPerSecond: c.req * 0.8, slow: c.slow + 2, cpuPerSecond: c.cpuB})
	}
	add(trialLoad{testid: "r-sweep", server: "go-http", start: 130, reqPerSecond: 50, slow: 30, cpuPerSecond: 0.1})
	add(trialLoad{testid: "r2-t1", server: "go-http", start: 145, reqPerSecond: 9000, slow: 1, cpuPerSecond: 1.9})
	add(trialLoad{testid: "solo", server: "go-http", start: 165, reqPerSecond: 777, slow: 3, cpuPerSecond: 0.7})
	// The exporter's CPU counter of each server, every second: idle 0.01, loaded as above.
	for _, server := range []string{"go-http", "bun-hono"} {
		cpu := s.of("ssebench_process_cpu_seconds_total", "server", server)
		total := 0.0
		for sec := range seconds {
			rate := 0.01
			for _, l := range loads {
				if l.server == server && sec > l.start && sec <= l.start+loadSeconds {
					rate = l.cpuPerSecond
				}
			}
			total += rate
			s.float(cpu, sec, total)
		}
	}
	p.push(t, s.request())
	at := s.base.Add(seconds * time.Second)
	vars := func(v Vars) Vars { v.Range = seconds * time.Second; return v }

	for n := 1; n <= 14; n++ {
		got := p.evaluate(t, tOfCount(fmt.Sprintf("vector(%d)", n)), at)[""]
		want := stats.TQuantile(float64(min(n, TTableMaxTrials) - 1))
		if n == 1 {
			want = math.NaN()
		}
		if !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("t for %d trials: %g, want %g", n, got, want)
		}
	}

	for _, c := range trialColumns {
		// Each trial's value as the results table computes it, one testid at a time.
		perTrial := map[string][]float64{}
		for k := 1; k <= 3; k++ {
			values := p.evaluate(t, c.results.MustRender(vars(Vars{TestID: fmt.Sprintf("r-t%d", k)})), at)
			if len(values) != 2 {
				t.Fatalf("%s of trial %d: %v, want two servers", c.results.Name, k, values)
			}
			for key, v := range values {
				perTrial[key] = append(perTrial[key], v)
			}
		}
		if c.results.Name == ResultsReqPerSecond.Name {
			if got := perTrial["go-http stress"]; fmt.Sprint(got) != "[1000 1100 950]" {
				t.Fatalf("req/s of the trials: %v, want the synthetic [1000 1100 950]", got)
			}
		}
		mean, _ := TrialMean(c.results)
		half, _ := TrialHalfWidth(c.results)
		gotMean := p.evaluate(t, mean.MustRender(vars(Vars{Run: "r"})), at)
		gotHalf := p.evaluate(t, half.MustRender(vars(Vars{Run: "r"})), at)
		for key, values := range perTrial {
			want := stats.OverTrials(values)
			if want.N != 3 || !want.Known() || want.HalfWidth() <= 0 {
				t.Fatalf("%s %s: %+v, want a 3-trial interval", c.results.Name, key, want)
			}
			if !near(gotMean[key], want.Point) {
				t.Errorf("%s %s mean: PromQL %g, stats %g (trials %v)", c.results.Name, key, gotMean[key], want.Point, values)
			}
			if !near(gotHalf[key], want.HalfWidth()) {
				t.Errorf("%s %s half width: PromQL %g, stats %g (trials %v)", c.results.Name, key, gotHalf[key], want.HalfWidth(), values)
			}
			t.Logf("%s %s: %.4g ± %.4g over %v", c.results.Name, key, gotMean[key], gotHalf[key], values)
		}
		if len(gotMean) != 2 || len(gotHalf) != 2 {
			t.Errorf("%s: means %v, half widths %v: want the two servers", c.results.Name, gotMean, gotHalf)
		}

		// A single-trial run: its own value, no interval.
		solo := p.evaluate(t, c.results.MustRender(vars(Vars{TestID: "solo"})), at)["go-http stress"]
		soloMean := p.evaluate(t, mean.MustRender(vars(Vars{Run: "solo"})), at)
		soloHalf := p.evaluate(t, half.MustRender(vars(Vars{Run: "solo"})), at)
		if len(soloMean) != 1 || !near(soloMean["go-http stress"], solo) {
			t.Errorf("%s of a single trial: %v, want its own value %g", mean.Name, soloMean, solo)
		}
		if h, ok := soloHalf["go-http stress"]; !ok || !math.IsNaN(h) {
			t.Errorf("%s of a single trial: %v, want NaN (no interval)", half.Name, soloHalf)
		}
	}

	// The Runs table: each testid with its whole run's window, a few seconds either side.
	from := p.evaluateBy(t, "testid", RunsFromMs.MustRender(vars(Vars{})), at)
	to := p.evaluateBy(t, "testid", RunsToMs.MustRender(vars(Vars{})), at)
	second := func(sec int) float64 { return float64(s.ms(sec)) }
	for testid, want := range map[string][2]float64{
		// r's first load run starts at second 10, its last (r-t3, bun-hono) ends at 105+10.
		"r-t1": {second(11 - RunWindowSlack), second(116 + RunWindowSlack)},
		"r-t3": {second(11 - RunWindowSlack), second(116 + RunWindowSlack)},
		"solo": {second(166 - RunWindowSlack), second(176 + RunWindowSlack)},
		// The sweep is a run of its own.
		"r-sweep": {second(131 - RunWindowSlack), second(141 + RunWindowSlack)},
	} {
		if from[testid] != want[0] || to[testid] != want[1] {
			t.Errorf("Runs table %s: from %.0f to %.0f, want %.0f to %.0f", testid, from[testid], to[testid], want[0], want[1])
		}
	}
	if len(from) != 6 || len(to) != 6 {
		t.Errorf("Runs table: %d and %d testids, want 6: %v", len(from), len(to), from)
	}

	n := p.evaluate(t, TrialsN.MustRender(vars(Vars{Run: "r"})), at)
	if len(n) != 2 || n["go-http stress"] != 3 || n["bun-hono stress"] != 3 {
		t.Errorf("N of run r: %v, want 3 per server (r-sweep and r2-t1 are not its trials)", n)
	}
	if n := p.evaluate(t, TrialsN.MustRender(vars(Vars{Run: "solo"})), at); len(n) != 1 || n["go-http stress"] != 1 {
		t.Errorf("N of a single-trial run: %v, want 1", n)
	}
}

// evaluateBy is evaluate keyed by one label.
func (p *prom) evaluateBy(t *testing.T, label, expr string, at time.Time) map[string]float64 {
	t.Helper()
	return p.evaluateKeyed(t, expr, at, func(m model.Metric) string { return string(m[model.LabelName(label)]) })
}

func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}
