package runner

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/servers"
)

// probeModule is the exporter's SSE probe during a run: a short stream with a known
// rhythm (5 ms between tokens), so that a proxy that buffers (first event with the last)
// or stalls on Nagle's algorithm (gaps of ~40 ms, the delayed-ACK timer) fails plainly.
const probeModule = `
modules:
  stream:
    method: POST
    body: '{"model":"ssebench-probe","stream":true,"messages":[{"role":"user","content":"probe"}]}'
    headers:
      Content-Type: application/json
      X-Stub-Time-To-First-Token: 10ms
      X-Stub-Inter-Token-Delay: 5ms
      X-Stub-Tokens: "10"
    timeout: 2s
    min_events: 12
    max_event_gap: 30ms
    buffering:
      min_first_to_last: 20ms
`

// startExporter runs bin/ssebench-exporter watching every server by its port (a server
// that is not running yet is reported as down) and tells Prometheus to scrape it.
func (s *stack) startExporter(ctx context.Context, list []servers.Server, ports map[string]int) error {
	port, err := servers.FreePort()
	if err != nil {
		return err
	}
	configFile := filepath.Join(s.cfg.DataDir, "exporter.yml")
	if err := os.WriteFile(configFile, []byte(exporterConfig(list, ports)), 0o644); err != nil {
		return fmt.Errorf("writing the exporter configuration: %w", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	exp := servers.Server{Name: "exporter", Command: []string{filepath.Join("bin", "ssebench-exporter"),
		"--web.listen-address=" + addr, "--config.file=" + configFile, "--log.level=warn"}}
	p, err := servers.Start(ctx, s.cfg.Root, exp, servers.StartOptions{Port: port, Stderr: s.logWriter("exporter.log")})
	if err != nil {
		return fmt.Errorf("starting the exporter: %w", err)
	}
	if err := waitHTTP(ctx, "http://"+addr+"/metrics", 30*time.Second, p); err != nil {
		_ = p.Stop(context.Background())
		return fmt.Errorf("the exporter did not come up: %w", err)
	}
	s.exporter, s.exporterAddr = p, addr
	return s.writeTargets("exporter", []promrun.TargetGroup{{Targets: []string{addr}}})
}

func exporterConfig(list []servers.Server, ports map[string]int) string {
	var b strings.Builder
	b.WriteString("# Written by ssebench run for one benchmark run.\ntargets:\n")
	names := make([]string, 0, len(list))
	for _, srv := range list {
		if srv.Unavailable == "" {
			names = append(names, srv.Name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "  - server: %s\n    port: %d\n", name, ports[name])
	}
	b.WriteString(probeModule)
	return b.String()
}

// watchProbe points Prometheus' sse-probe job at the server now under test.
func (s *stack) watchProbe(server, url string) {
	if s.exporter == nil {
		return
	}
	group := promrun.TargetGroup{Targets: []string{s.exporterAddr}, Labels: map[string]string{
		"server":         server,
		"__param_target": url + "/v1/chat/completions",
		"__param_module": "stream",
	}}
	if err := s.writeTargets("probe", []promrun.TargetGroup{group}); err != nil {
		s.cfg.Logger.Warn("probe targets", "err", err)
	}
}

func (s *stack) unwatchProbe() {
	if s.exporter == nil {
		return
	}
	if err := s.writeTargets("probe", nil); err != nil {
		s.cfg.Logger.Warn("probe targets", "err", err)
	}
}

// waitHTTP polls url until it answers 200, the deadline passes or the process exits.
func waitHTTP(ctx context.Context, url string, within time.Duration, p *servers.Process) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: no answer within %s", url, within)
		case <-p.Exited():
			return fmt.Errorf("exited: %s", p.StderrTail(5))
		case <-tick.C:
		}
	}
}

// waitWatched blocks until Prometheus has scraped the exporter reporting the server's
// process as up: Prometheus applies new scrape targets only every few seconds, and a
// load run that starts before the first scrape would lose its first seconds of CPU and
// memory figures. Without an exporter there is nothing to wait for.
func (s *stack) waitWatched(ctx context.Context, server string) error {
	if s.exporter == nil || s.runDir == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	api := promAPI(s.promURL)
	query := catalog.ProcessWatched.MustRender(catalog.Vars{Servers: []string{server}})
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		qctx, qcancel := context.WithTimeout(ctx, 5*time.Second)
		val, _, _, err := api.Query(qctx, query, time.Now())
		qcancel()
		if err == nil {
			if vec, ok := val.(model.Vector); ok && len(vec) == 1 && vec[0].Value == 1 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("Prometheus has not seen %s's process through the exporter within 30 s", server)
		case <-tick.C:
		}
	}
}
