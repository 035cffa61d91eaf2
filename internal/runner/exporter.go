package runner

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/servers"
)

// probeModule is the exporter's SSE probe during a run: a short stream with a known
// rhythm (5 ms between tokens), so that a proxy that buffers (first event with the last)
// or stalls on Nagle's algorithm (gaps of ~40 ms, the delayed-ACK timer) fails plainly.
var probeModule = exporterconfig.Module{
	Method: "POST",
	Body:   `{"model":"ssebench-probe","stream":true,"messages":[{"role":"user","content":"probe"}]}`,
	Headers: map[string]string{
		"Content-Type":               "application/json",
		"X-Stub-Time-To-First-Token": "10ms",
		"X-Stub-Inter-Token-Delay":   "5ms",
		"X-Stub-Tokens":              "10",
	},
	Timeout:     exporterconfig.Duration(2 * time.Second),
	MinEvents:   12,
	MaxEventGap: exporterconfig.Duration(30 * time.Millisecond),
	Buffering:   exporterconfig.Buffering{MinFirstToLast: exporterconfig.Duration(20 * time.Millisecond)},
}

// probeModuleName is the module Prometheus' sse-probe job asks for.
const probeModuleName = "stream"

// exporter is bin/ssebench-exporter as a run drives it: it watches each server by the port
// the server got when it started, so its targets follow the servers as they come and go.
type exporter struct {
	proc       *proc.Process
	configFile string
	ports      map[string]int               // of the servers running now, by name
	headers    map[string]map[string]string // a probe module's extra headers, by server (an AI gateway's)
}

// process is nil when there is no exporter.
func (e *exporter) process() *proc.Process {
	if e == nil {
		return nil
	}
	return e.proc
}

// startExporter runs bin/ssebench-exporter, watching the servers of ports to begin with,
// and tells Prometheus to scrape it.
func (s *stack) startExporter(ctx context.Context, ports map[string]int) error {
	e := &exporter{configFile: filepath.Join(s.cfg.DataDir, "exporter.yml"), ports: ports, headers: map[string]map[string]string{}}
	if err := e.writeConfig(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p, err := proc.StartHTTP(ctx, "", "/-/healthy", func(addr string) proc.Spec {
		return proc.Spec{Name: "exporter", Path: filepath.Join(s.cfg.Root, "bin", "ssebench-exporter"),
			Args:   []string{"--web.listen-address=" + addr, "--config.file=" + e.configFile, "--log.level=warn"},
			Stderr: s.logWriter("exporter.log")}
	})
	if err != nil {
		return fmt.Errorf("starting the exporter: %w", err)
	}
	e.proc, s.exporter = p, e
	return s.writeTargets("exporter", []promrun.TargetGroup{{Targets: []string{p.Addr()}}})
}

func (e *exporter) writeConfig() error {
	body, err := exporterConfig(e.ports, e.headers)
	if err != nil {
		return err
	}
	if err := os.WriteFile(e.configFile, body, 0o644); err != nil {
		return fmt.Errorf("writing the exporter configuration: %w", err)
	}
	return nil
}

// watch sets (port > 0) or removes a server's target and has the exporter reload.
func (e *exporter) watch(ctx context.Context, server string, port int) error {
	if port > 0 {
		e.ports[server] = port
	} else {
		delete(e.ports, server)
	}
	if err := e.writeConfig(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return promrun.Reload(ctx, e.proc.URL())
}

// exporterConfig is the exporter's configuration file for the servers running now, in
// the exporter's own types, so that what the runner writes is what the exporter reads.
// A server whose requests need headers of its own gets a probe module of its own.
func exporterConfig(ports map[string]int, headers map[string]map[string]string) ([]byte, error) {
	cfg := exporterconfig.Config{Modules: map[string]exporterconfig.Module{probeModuleName: probeModule}}
	for server, h := range headers {
		m := probeModule
		m.Headers = maps.Clone(probeModule.Headers)
		maps.Copy(m.Headers, h)
		cfg.Modules[probeModuleFor(server, h)] = m
	}
	for name, port := range ports {
		cfg.Targets = append(cfg.Targets, exporterconfig.Target{Server: name, Port: port})
	}
	sort.Slice(cfg.Targets, func(i, j int) bool { return cfg.Targets[i].Server < cfg.Targets[j].Server })
	body, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("exporter config: %w", err)
	}
	return append([]byte("# Written by ssebench run for one benchmark run: the servers running now.\n"), body...), nil
}

// probeModuleFor is the probe module of a server: the shared one, or its own when its
// requests carry headers of their own.
func probeModuleFor(server string, headers map[string]string) string {
	if len(headers) == 0 {
		return probeModuleName
	}
	return probeModuleName + "-" + server
}

// watchServer points the exporter at a server that now runs as p: its process by the port
// it got, and Prometheus' sse-probe job at its URL.
func (s *stack) watchServer(ctx context.Context, srv servers.Server, p *proc.Process) {
	if s.exporter == nil {
		return
	}
	s.exporter.headers[srv.Name] = headerMap(srv.RequestHeaders(s.stub.URL()))
	if err := s.exporter.watch(ctx, srv.Name, port(p)); err != nil {
		s.cfg.Logger.Warn("exporter targets", "server", srv.Name, "err", err)
	}
	s.probeServer(srv, p.URL())
}

// probeServer points Prometheus' sse-probe job at a server's URL; an external gateway has
// its probe but no process to watch.
func (s *stack) probeServer(srv servers.Server, url string) {
	if s.exporter == nil {
		return
	}
	h := headerMap(srv.RequestHeaders(s.stub.URL()))
	if srv.External() && len(h) > 0 {
		s.exporter.headers[srv.Name] = h
		if err := s.exporter.writeConfig(); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = promrun.Reload(ctx, s.exporter.proc.URL())
			cancel()
		}
	}
	group := promrun.TargetGroup{Targets: []string{s.exporter.proc.Addr()}, Labels: map[string]string{
		"server":         srv.Name,
		"__param_target": url + "/v1/chat/completions",
		"__param_module": probeModuleFor(srv.Name, h),
	}}
	if err := s.writeTargets("probe", []promrun.TargetGroup{group}); err != nil {
		s.cfg.Logger.Warn("probe targets", "err", err)
	}
}

func headerMap(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	m := make(map[string]string, len(h))
	for k := range h {
		m[k] = h.Get(k)
	}
	return m
}

// unwatchServer stops watching a server that is stopping: its port is free for anyone to
// take, and what takes it is not that server.
func (s *stack) unwatchServer(server string) {
	if s.exporter == nil {
		return
	}
	if err := s.writeTargets("probe", nil); err != nil {
		s.cfg.Logger.Warn("probe targets", "err", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	delete(s.exporter.headers, server)
	if err := s.exporter.watch(ctx, server, 0); err != nil {
		s.cfg.Logger.Warn("exporter targets", "server", server, "err", err)
	}
}

// port is the TCP port p serves on.
func port(p *proc.Process) int {
	_, portStr, _ := net.SplitHostPort(p.Addr())
	n, _ := strconv.Atoi(portStr)
	return n
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
	q, err := run.NewQuerier(s.promURL)
	if err != nil {
		return err
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		vec, err := q.Instant(ctx, catalog.ProcessWatched, catalog.Vars{Servers: []string{server}}, time.Now())
		if err == nil && len(vec) == 1 && vec[0].Value == 1 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("Prometheus has not seen %s's process through the exporter within 30 s", server)
		case <-tick.C:
		}
	}
}
