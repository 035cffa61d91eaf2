package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ssebench/ssebench/internal/alertmanager"
	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/promrun"
	"github.com/ssebench/ssebench/internal/stubrun"
)

// stack is what every load run of a benchmark shares: Prometheus, the stub and the exporter.
type stack struct {
	cfg        *Config
	prom       *promrun.Server      // nil when an existing Prometheus is used
	alerts     *alertmanager.Server // nil without --alerts
	promURL    string
	runDir     string // where file_sd targets are written; "" for an external Prometheus
	configFile string
	stub       *proc.Process
	exporter   *exporter // nil without the exporter
	logs       []*os.File
}

// prepare lays out the Prometheus run directory, so that scrape targets written before
// Prometheus starts are scraped from its first second on.
func (s *stack) prepare() error {
	if s.cfg.PrometheusURL != "" {
		return nil
	}
	s.runDir = filepath.Join(s.cfg.DataDir, "run")
	configFile, err := promrun.PrepareRunDir(s.runDir, filepath.Join(s.cfg.Root, "prometheus"))
	if err != nil {
		return err
	}
	s.configFile = configFile
	return s.writeTargets("probe", nil)
}

// startAlertmanager starts Alertmanager and points the run's Prometheus configuration at
// it; it must run after prepare and before startPrometheus.
func (s *stack) startAlertmanager(ctx context.Context) error {
	am, err := alertmanager.StartForRun(ctx, alertmanager.RunOptions{
		RunDir: s.runDir, PrometheusConfig: s.configFile, WebhookURL: s.cfg.AlertsWebhook,
		Stderr: s.logWriter("alertmanager.log"),
	})
	if err != nil {
		return fmt.Errorf("starting Alertmanager: %w", err)
	}
	s.alerts = am
	return nil
}

// startPrometheus starts our own Prometheus with a persistent data dir, or checks the one given.
func (s *stack) startPrometheus(ctx context.Context) error {
	if s.cfg.PrometheusURL != "" {
		s.promURL = s.cfg.PrometheusURL
		return promrun.CheckReady(ctx, s.promURL)
	}
	prom, err := promrun.Start(ctx, promrun.Options{
		ConfigFile: s.configFile,
		DataDir:    filepath.Join(s.cfg.DataDir, "data"),
		Stderr:     s.logWriter("prometheus.log"),
		Outlive:    s.cfg.Keep,
	})
	if err != nil {
		return fmt.Errorf("starting Prometheus: %w", err)
	}
	s.prom = prom
	s.promURL = prom.URL()
	return nil
}

func (s *stack) remoteWriteURL() string { return s.promURL + "/api/v1/write" }

// startStub runs bin/stub on a port of its own with the run's stub flags.
func (s *stack) startStub(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	p, err := stubrun.Start(ctx, filepath.Join(s.cfg.Root, "bin", "stub"), s.cfg.StubArgs, s.logWriter("stub.log"))
	if err != nil {
		return fmt.Errorf("starting the stub: %w (run `make build` first)", err)
	}
	s.stub = p
	return s.writeTargets("stub", []promrun.TargetGroup{{Targets: []string{p.Addr()}}})
}

// writeTargets is a no-op against an external Prometheus: its scrape configuration is the user's.
func (s *stack) writeTargets(name string, groups []promrun.TargetGroup) error {
	if s.runDir == "" {
		return nil
	}
	return promrun.WriteTargets(s.runDir, name, groups)
}

// stop ends every child; Prometheus only when keep is false.
func (s *stack) stop(keep bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	// Left running (--keep), Prometheus must not see the stopped exporter as a target that
	// went down, nor probe a server that is gone.
	if s.exporter != nil {
		errs = append(errs, s.writeTargets("exporter", nil), s.writeTargets("probe", nil))
	}
	for _, p := range []*proc.Process{s.exporter.process(), s.stub} {
		if p != nil {
			if err := p.Stop(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if s.prom != nil && !keep {
		if err := s.prom.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping Prometheus: %w", err))
		}
	}
	// Alertmanager goes after Prometheus, so that alerts of the run's end still reach it.
	if s.alerts != nil && !keep {
		if err := s.alerts.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping Alertmanager: %w", err))
		}
	}
	s.closeLogs()
	return errors.Join(errs...)
}

// logWriter appends a child's output to a file under the data directory, so that a failed
// run can be diagnosed; the stack closes it when the run ends. A file that cannot be opened
// discards the output.
func (s *stack) logWriter(name string) io.Writer {
	dir := filepath.Join(s.cfg.DataDir, "logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return io.Discard
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return io.Discard
	}
	s.logs = append(s.logs, f)
	return f
}

func (s *stack) closeLogs() {
	for _, f := range s.logs {
		f.Close()
	}
	s.logs = nil
}
