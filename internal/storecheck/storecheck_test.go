package storecheck

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/lockedbuf"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/stubrun"
)

var update = flag.Bool("update", false, "rewrite "+goldenFile+" from this run's classification")

const (
	goldenFile   = "testdata/victoriametrics.golden"
	testID       = "storecheck"
	serverProxy  = "go-http" // the name the stub is watched and loaded under
	serverDirect = "direct"  // the reference the efficiency queries subtract (results.Reference)
)

// The load: three runs at once (the proxy in the stress and efficiency scenarios, the
// direct reference in efficiency, which the cost table's queries need), 4 s at 40/s each.
var (
	runs = []loadRun{
		{serverProxy, "stress"},
		{serverProxy, catalog.ScenarioEfficiency},
		{serverDirect, catalog.ScenarioEfficiency},
	}
	scenario = load.ConstantArrivalRate{Rate: 40, TimeUnit: time.Second,
		Duration: 4 * time.Second, PreAllocatedVUs: 4, MaxVUs: 20, GracefulStop: 2 * time.Second}
)

// store is one path of the run's metrics into VictoriaMetrics, with the Prometheus that
// got the same metrics as its reference.
type store struct {
	name     string // column of the golden file
	prom     *promrun.Client
	victoria *promrun.Client
}

// TestCatalogOnVictoriaMetrics: a quick load run reaches VictoriaMetrics two ways — through
// a Prometheus that forwards with the remote_write entry docs/scaling.md gives, and straight
// from the load generator with Remote-Write 1.0 — and every catalog query is evaluated in
// the store and in the Prometheus that got the same data. The class of every query (works,
// differs, empty, error, no-data) must equal testdata/victoriametrics.golden; -update
// rewrites it from the run.
func TestCatalogOnVictoriaMetrics(t *testing.T) {
	root, promBin, vmBin := requireTools(t)
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	dir := t.TempDir()

	// The stores: one VictoriaMetrics fed by Prometheus, one fed by the load generator.
	var vmLog, promLog lockedbuf.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("VictoriaMetrics (forwarded) log:\n%s\nforwarding Prometheus log:\n%s", tail(vmLog.String()), tail(promLog.String()))
		}
	})
	forwarded, err := StartVictoria(ctx, Options{Binary: vmBin, DataDir: filepath.Join(dir, "vm-forwarded"), Stderr: &vmLog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopChild(t, forwarded.Stop) })
	direct, err := StartVictoria(ctx, Options{Binary: vmBin, DataDir: filepath.Join(dir, "vm-direct")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopChild(t, direct.Stop) })

	// The forwarding Prometheus: `ssebench run`'s configuration (scrape jobs, rules) plus
	// the documented remote_write entry and external labels.
	runDir := filepath.Join(dir, "run")
	configFile, err := promrun.PrepareRunDir(runDir, filepath.Join(root, "prometheus"))
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "victoriametrics_token")
	if err := os.WriteFile(tokenFile, []byte("storecheck\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	entry, external := remoteWriteEntry(t, root, forwarded.RemoteWriteURL(), tokenFile)
	forwardingConfig(t, configFile, entry, external)
	promFwd, err := promrun.Start(ctx, promrun.Options{Binary: promBin, ConfigFile: configFile, DataDir: filepath.Join(dir, "prom-forwarding"),
		Stderr: &promLog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopChild(t, promFwd.Stop) })
	// The reference for the direct push: a Prometheus that gets the same pushes (2.0).
	promRef, err := promrun.Start(ctx, promrun.Options{Binary: promBin})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopChild(t, promRef.Stop) })

	stub, err := stubrun.Start(ctx, filepath.Join(root, "bin", "stub"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopChild(t, stub.Stop) })
	exporter := startExporter(ctx, t, root, dir, portOf(t, stub.Addr()))
	for name, groups := range map[string][]promrun.TargetGroup{
		"stub":     {{Targets: []string{stub.Addr()}}},
		"exporter": {{Targets: []string{exporter.Addr()}}},
		"probe": {{Targets: []string{exporter.Addr()}, Labels: map[string]string{"server": serverProxy,
			"__param_target": stub.URL() + "/v1/chat/completions", "__param_module": "stream"}}},
	} {
		if err := promrun.WriteTargets(runDir, name, groups); err != nil {
			t.Fatal(err)
		}
	}
	waitWatched(ctx, t, promFwd.URL())
	t.Logf("stack up after %s", time.Since(began).Round(time.Millisecond))

	loadStart := time.Now()
	pushAll(ctx, t, testID, stub.URL(), runs, scenario, []remotewrite.Config{
		{URL: promFwd.RemoteWriteURL()},
		{URL: promRef.RemoteWriteURL()},
		{URL: direct.RemoteWriteURL(), Protocol: remotewrite.ProtocolV1},
	})
	loadEnd := time.Now()
	if t.Failed() {
		t.FailNow()
	}
	// The instants: every whole second from 1.5 s into the load to its end (rates, current
	// values, the rules' live series), and 3 s after the end (the whole-run results, and the
	// rules' final series recorded after the stale markers).
	var instants []time.Time
	for at := loadStart.Add(1500 * time.Millisecond).Truncate(time.Second); at.Before(loadEnd.Add(-time.Second)); at = at.Add(time.Second) {
		instants = append(instants, at)
	}
	after := loadEnd.Add(3 * time.Second).Truncate(time.Second)
	instants = append(instants, after)

	fwdClient := mustClient(t, forwarded.URL())
	directClient := mustClient(t, direct.URL())
	stores := []store{
		{name: "prometheus-remote-write", prom: promFwd.Client(), victoria: fwdClient},
		{name: "direct-rw1.0", prom: promRef.Client(), victoria: directClient},
	}
	// Prometheus sends what it holds every 5 s at most (batch_send_deadline), and
	// VictoriaMetrics makes fresh rows searchable within a second or two: wait until the
	// store holds a sample past `after` from every scrape job, and the pushed counters agree.
	waitCaughtUp(ctx, t, stores, after)
	t.Logf("load %s – %s; evaluating at %d instants, %s … %s; store caught up after %s", loadStart.Format("15:04:05.000"),
		loadEnd.Format("15:04:05.000"), len(instants), instants[0].Format("15:04:05"), after.Format("15:04:05"), time.Since(began).Round(time.Millisecond))

	got := map[string][]string{} // query → class per store
	var report strings.Builder
	for _, q := range catalog.All() {
		var row []string
		for _, st := range stores {
			var points []point
			for _, at := range instants {
				vars := catalog.Vars{TestID: testID, Run: testID, Range: at.Sub(loadStart) + 2*time.Second, Interval: time.Second}
				expr, err := q.Render(vars)
				if err != nil {
					t.Fatalf("%s: %v", q.Name, err)
				}
				points = append(points, evaluate(ctx, st, expr, at))
			}
			class, why := classify(points)
			row = append(row, class)
			if why != "" {
				fmt.Fprintf(&report, "%-42s %-24s %-8s %s\n", q.Name, st.name, class, why)
			}
		}
		got[q.Name] = row
	}
	t.Logf("why the queries that do not work do not (store: first difference or error):\n%s", report.String())
	t.Logf("counts: %s; wall time %s", counts(got, stores), time.Since(began).Round(time.Millisecond))

	if *update {
		if err := os.WriteFile(goldenFile, golden(got, stores), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", goldenFile)
		return
	}
	want := readGolden(t)
	var diffs []string
	for name, row := range got {
		w, ok := want[name]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: new query, classed %s (not in the golden file)", name, strings.Join(row, " / ")))
		case strings.Join(w, " ") != strings.Join(row, " "):
			diffs = append(diffs, fmt.Sprintf("%s: %s, golden file says %s", name, strings.Join(row, " / "), strings.Join(w, " / ")))
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			diffs = append(diffs, name+": in the golden file, no longer in the catalog")
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("the catalog fares otherwise on VictoriaMetrics than %s says (columns: %s); if that is expected, "+
			"run `go test ./internal/storecheck -update` and update docs/scaling.md:\n%s",
			goldenFile, storeNames(stores), strings.Join(diffs, "\n"))
	}
}

// tail is the last 40 lines of a log.
func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-40):], "\n")
}

func mustClient(t *testing.T, url string) *promrun.Client {
	t.Helper()
	c, err := promrun.NewClient(url, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func evaluate(ctx context.Context, st store, expr string, at time.Time) point {
	var p point
	pv, _, err := st.prom.Query(ctx, expr, at)
	if p.promErr = err; err == nil {
		p.prom, p.promErr = flatten(pv)
	}
	sv, _, err := st.victoria.Query(ctx, expr, at)
	if p.storeErr = err; err == nil {
		p.store, p.storeErr = flatten(sv)
	}
	return p
}

// caughtUp are queries whose answers must agree before the stores are compared: the
// counters pushed during the run, and (forwarded only) the last scrape of every job.
var caughtUp = []string{
	fmt.Sprintf(`sum by (server, scenario) (max_over_time(k6_http_reqs_total{testid=%q}[5m]))`, testID),
	fmt.Sprintf(`count by (server, scenario) (count_over_time(k6_vus{testid=%q}[5m]))`, testID),
}

func waitCaughtUp(ctx context.Context, t *testing.T, stores []store, after time.Time) {
	t.Helper()
	time.Sleep(time.Until(after.Add(time.Second)))
	deadline := time.Now().Add(30 * time.Second)
	for {
		pending := ""
		for _, st := range stores {
			now := time.Now()
			for _, expr := range caughtUp {
				p := evaluate(ctx, st, expr, now)
				if p.promErr != nil || p.storeErr != nil {
					pending = fmt.Sprintf("%s: %v %v", st.name, p.promErr, p.storeErr)
					continue
				}
				if ok, diff := compare(p.prom, p.store); !ok {
					pending = fmt.Sprintf("%s: %s: %s", st.name, expr, diff)
				}
			}
			if st.name == "prometheus-remote-write" {
				p := evaluate(ctx, st, `min(timestamp(up))`, now)
				if p.storeErr != nil || len(p.store) != 1 || p.store[0].values[0] < float64(after.Unix()+1) {
					pending = fmt.Sprintf("%s: the last forwarded scrape is not past %s yet (%v %v)", st.name, after.Format("15:04:05"), p.store, p.storeErr)
				}
			}
		}
		if pending == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stores have not caught up within 30 s: %s", pending)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func storeNames(stores []store) string {
	var n []string
	for _, s := range stores {
		n = append(n, s.name)
	}
	return strings.Join(n, " / ")
}

func counts(got map[string][]string, stores []store) string {
	var parts []string
	for i, st := range stores {
		c := map[string]int{}
		for _, row := range got {
			c[row[i]]++
		}
		var cs []string
		for _, class := range []string{classWorks, classDiffers, classEmpty, classError, classNoData, "prometheus-error"} {
			if c[class] > 0 {
				cs = append(cs, fmt.Sprintf("%d %s", c[class], class))
			}
		}
		parts = append(parts, st.name+": "+strings.Join(cs, ", "))
	}
	return strings.Join(parts, "; ")
}

func golden(got map[string][]string, stores []store) []byte {
	var b bytes.Buffer
	b.WriteString("# Every internal/catalog query on VictoriaMetrics v1.151.0, as TestCatalogOnVictoriaMetrics\n")
	b.WriteString("# found it (README.md); rewrite with `go test ./internal/storecheck -update`.\n")
	b.WriteString("# Columns: query, then its class when the store is fed by Prometheus' remote_write as\n")
	b.WriteString("# docs/scaling.md says, and when it is fed by `ssebench load --remote-write-protocol 1.0`.\n")
	b.WriteString("# works: same series and values as Prometheus (±0.5 %); differs: other series or values;\n")
	b.WriteString("# empty: Prometheus has data, the store none; error: the store refuses the query;\n")
	b.WriteString("# no-data: neither has data in this run (not judged).\n")
	fmt.Fprintf(&b, "# query\t%s\n", strings.ReplaceAll(storeNames(stores), " / ", "\t"))
	names := make([]string, 0, len(got))
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s\t%s\n", n, strings.Join(got[n], "\t"))
	}
	return b.Bytes()
}

func readGolden(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatalf("%v (create it with `go test ./internal/storecheck -update`)", err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		out[fields[0]] = fields[1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
