package storecheck

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.yaml.in/yaml/v3"

	"github.com/ssebench/ssebench/internal/benchtest"
	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/runinfo"
)

// requireTools returns the repository root once every binary the test runs exists:
// Prometheus, the stub and the exporter (benchtest.RequireBuilt) and VictoriaMetrics.
func requireTools(t *testing.T) (root, prometheusBin, victoriaBin string) {
	t.Helper()
	root = benchtest.RequireBuilt(t)
	return root, promrun.RequireBinary(t), RequireBinary(t)
}

// remoteWriteEntry is the VictoriaMetrics entry of prometheus/compose/remote-write-example.yml
// (what docs/scaling.md tells users to copy), and that file's global external_labels, with
// only the store's address and the token file's path changed to this test's.
func remoteWriteEntry(t *testing.T, root, writeURL, tokenFile string) (entry, externalLabels map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "prometheus", "compose", "remote-write-example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var example struct {
		Global      map[string]any   `yaml:"global"`
		RemoteWrite []map[string]any `yaml:"remote_write"`
	}
	if err := yaml.Unmarshal(raw, &example); err != nil { // resolves the file's YAML anchors
		t.Fatalf("remote-write-example.yml: %v", err)
	}
	for _, e := range example.RemoteWrite {
		if e["name"] != "victoriametrics" {
			continue
		}
		documented, err := url.Parse(fmt.Sprint(e["url"]))
		if err != nil {
			t.Fatalf("the example's VictoriaMetrics url: %v", err)
		}
		ours, err := url.Parse(writeURL)
		if err != nil {
			t.Fatal(err)
		}
		documented.Scheme, documented.Host = ours.Scheme, ours.Host // the path stays the documented one
		e["url"] = documented.String()
		if auth, ok := e["authorization"].(map[string]any); ok && auth["credentials_file"] != nil {
			auth["credentials_file"] = tokenFile
		}
		labels, _ := example.Global["external_labels"].(map[string]any)
		return e, labels
	}
	t.Fatal("remote-write-example.yml has no remote_write entry named victoriametrics")
	return nil, nil
}

// forwardingConfig rewrites the run directory's copy of prometheus/prometheus.yml (the
// configuration `ssebench run` uses: scrape jobs, rule files) with the documented
// remote_write entry and external labels added, as docs/scaling.md says to.
func forwardingConfig(t *testing.T, configFile string, entry, externalLabels map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(configFile)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		global = map[string]any{}
		cfg["global"] = global
	}
	if externalLabels != nil {
		global["external_labels"] = externalLabels
	}
	cfg["remote_write"] = []any{entry}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(configFile, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// startExporter runs bin/ssebench-exporter watching the process that listens on port as
// server go-http, with an SSE probe module like the one `ssebench run` configures.
func startExporter(ctx context.Context, t *testing.T, root, dir string, port int) *proc.Process {
	t.Helper()
	cfg := exporterconfig.Config{
		Targets: []exporterconfig.Target{{Server: serverProxy, Port: port}},
		Modules: map[string]exporterconfig.Module{"stream": {
			Method:    "POST",
			Body:      `{"model":"ssebench-probe","stream":true,"messages":[{"role":"user","content":"probe"}]}`,
			Headers:   map[string]string{"Content-Type": "application/json", "X-Stub-Tokens": "10"},
			Timeout:   exporterconfig.Duration(2 * time.Second),
			MinEvents: 12,
		}},
	}
	body, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "exporter.yml")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p, err := proc.StartHTTP(ctx, "", "/-/healthy", func(addr string) proc.Spec {
		return proc.Spec{Name: "exporter", Path: filepath.Join(root, "bin", "ssebench-exporter"),
			Args: []string{"--web.listen-address=" + addr, "--config.file=" + file, "--log.level=warn"}}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopChild(t, p.Stop) })
	return p
}

func stopChild(t *testing.T, stop func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		t.Errorf("stopping: %v", err)
	}
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitWatched returns once the Prometheus at url has scraped the exporter reporting the
// proxy's process (catalog health.process_watched), so that CPU and memory cover the load.
func waitWatched(ctx context.Context, t *testing.T, url string) {
	t.Helper()
	q, err := run.NewQuerier(url)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		vec, err := q.Instant(ctx, catalog.ProcessWatched, catalog.Vars{Servers: []string{serverProxy}}, time.Now())
		if err == nil && len(vec) == 1 && vec[0].Value == 1 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("Prometheus has not seen the exporter's process within 30 s")
}

// loadRun is one quick load run and where its metrics go.
type loadRun struct {
	server, scenario string
}

// sharedGatherer hands the pushers of one registry the same gather when they ask within
// 300 ms of each other (they tick together), so that every store gets the same values and
// a difference between them is the store's, not the moment each pusher gathered at.
type sharedGatherer struct {
	g   prometheus.Gatherer
	mu  sync.Mutex
	at  time.Time
	mfs []*dto.MetricFamily
	err error
}

func (s *sharedGatherer) Gather() ([]*dto.MetricFamily, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.at) >= 300*time.Millisecond {
		s.mfs, s.err = s.g.Gather()
		s.at = time.Now()
	}
	return s.mfs, s.err
}

// pushAll runs the load runs at once against target, each with its own registry, pushed
// to every sink as `ssebench load` pushes it; the run-info series of testid too.
func pushAll(ctx context.Context, t *testing.T, testid, target string, runs []loadRun, sc load.Scenario, sinks []remotewrite.Config) {
	t.Helper()
	startPushers := func(reg *prometheus.Registry) []*remotewrite.Pusher {
		shared := &sharedGatherer{g: reg}
		var ps []*remotewrite.Pusher
		for _, s := range sinks {
			p, err := remotewrite.New(s, shared)
			if err != nil {
				t.Fatal(err)
			}
			p.Start(context.WithoutCancel(ctx))
			ps = append(ps, p)
		}
		return ps
	}
	stopPushers := func(what string, ps []*remotewrite.Pusher) {
		drain, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for i, p := range ps {
			if stats, err := p.Stop(drain); err != nil {
				t.Errorf("%s → %s (%s): %v (%+v)", what, sinks[i].URL, sinks[i].Protocol, err, stats)
			}
		}
	}

	info := prometheus.NewRegistry()
	info.MustRegister(runinfo.Info{TestID: testid, CPUModel: "storecheck", CPUs: 2, MemoryBytes: 1 << 30, OS: "linux",
		Kernel: "unknown", GoVersion: "unknown", BunVersion: "unknown", RustVersion: "unknown", GitCommit: "unknown"}.Collector())
	infoPushers := startPushers(info)

	var wg sync.WaitGroup
	for _, r := range runs {
		reg := prometheus.NewRegistry()
		ps := startPushers(reg)
		wg.Go(func() {
			sum, err := load.Run(ctx, load.Options{Target: target, TestID: testid, Server: r.server,
				ScenarioName: r.scenario, Scenario: sc, Registry: reg})
			if err != nil {
				t.Errorf("load run %s/%s: %v", r.server, r.scenario, err)
			} else if sum.Requests == 0 {
				t.Errorf("load run %s/%s made no requests", r.server, r.scenario)
			}
			stopPushers(r.server+"/"+r.scenario, ps)
		})
	}
	wg.Wait()
	stopPushers("run info", infoPushers)
}
