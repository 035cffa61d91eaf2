package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/ssebench/ssebench/exporter/collector"
	"github.com/ssebench/ssebench/exporter/probe"
	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/version"
)

type app struct {
	opts     options
	logger   *slog.Logger
	exporter *collector.Exporter
	registry *prometheus.Registry

	mu  sync.Mutex // guards cfg and serialises reloads
	cfg *exporterconfig.Config
}

func newApp(opts options, logger *slog.Logger) (*app, error) {
	exp, err := collector.New(opts.procRoot, logger)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp, buildInfo())
	if !opts.noOwnMetrics {
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	a := &app{opts: opts, logger: logger, exporter: exp, registry: reg}
	if err := a.reload("start"); err != nil {
		return nil, err
	}
	return a, nil
}

// reload reads the config file again and merges the --target flags; a bad file keeps the
// running configuration and sets the reload gauge to 0.
func (a *app) reload(why string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	cfg, err := a.load()
	a.exporter.RecordReload(err == nil, time.Now())
	if err != nil {
		if a.cfg != nil { // at start, run reports the error once and exits
			a.logger.Error("config not loaded; keeping the previous one", "why", why, "err", err)
		}
		return err
	}
	a.cfg = cfg
	a.exporter.SetTargets(cfg.Targets)
	a.logger.Info("config loaded", "why", why, "targets", len(cfg.Targets), "modules", len(cfg.Modules))
	return nil
}

func (a *app) load() (*exporterconfig.Config, error) {
	cfg := &exporterconfig.Config{}
	if a.opts.configFile != "" {
		var err error
		if cfg, err = exporterconfig.Load(a.opts.configFile); err != nil {
			return nil, err
		}
	}
	if err := cfg.Merge(a.opts.targets); err != nil {
		return nil, fmt.Errorf("--target: %w", err)
	}
	return cfg, nil
}

func (a *app) module(name string) (exporterconfig.Module, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg.Module(name)
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(a.opts.telemetryPath, a.metricsHandler())
	mux.Handle("/probe", probe.Handler(a.module, a.logger, probe.Options{LoopbackByDefault: loopbackOnly(a.opts.listenAddress)}))
	mux.HandleFunc("/-/reload", a.handleReload)
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "OK") })
	landing, err := web.NewLandingPage(web.LandingConfig{
		Name:        "ssebench-exporter",
		Description: "Per-process CPU, memory and TCP connections of each benchmarked server, and an SSE stream probe",
		Version:     version.String(),
		Links: []web.LandingLinks{
			{Address: a.opts.telemetryPath, Text: "Metrics"},
			{Address: "/probe?target=http://127.0.0.1:18080/v1/chat/completions&module=chat", Text: "Probe the stub", Description: "an SSE probe with the built-in chat module"},
		},
	})
	if err != nil {
		a.logger.Error("landing page", "err", err)
	} else {
		mux.Handle("/", landing)
	}
	return mux
}

// metricsHandler serves the registry; unless the exporter's own metrics are disabled, it
// also counts its scrapes (promhttp_metric_handler_*), as node_exporter does.
func (a *app) metricsHandler() http.Handler {
	h := promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(a.logger.Handler(), slog.LevelError), ErrorHandling: promhttp.ContinueOnError,
	})
	if a.opts.noOwnMetrics {
		return h
	}
	return promhttp.InstrumentMetricHandler(a.registry, h)
}

// buildInfo is ssebench_exporter_build_info, always 1, its labels saying which build this
// is: the version of internal/version (the one --version prints) and the Go release.
func buildInfo() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        metricname.ExporterBuildInfo,
		Help:        "A metric with a constant '1' value labeled by the version and Go release the exporter was built from.",
		ConstLabels: prometheus.Labels{"version": version.String(), "goversion": runtime.Version()},
	}, func() float64 { return 1 })
}

// loopbackOnly reports whether a listen address accepts loopback connections
// only: then whoever calls /probe can reach loopback ports already, and a module
// without allowed_targets may probe them (ssebench run's own use).
func loopbackOnly(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

func (a *app) handleReload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		http.Error(w, "reload with POST", http.StatusMethodNotAllowed)
		return
	}
	if err := a.reload("/-/reload"); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, "reloaded")
}
