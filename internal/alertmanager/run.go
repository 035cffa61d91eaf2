package alertmanager

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// RunOptions configure the Alertmanager of one `ssebench run --alerts`.
type RunOptions struct {
	RunDir           string // the run directory promrun.PrepareRunDir laid out
	PrometheusConfig string // the configuration file PrepareRunDir returned; gets the alerting section
	WebhookURL       string // where notifications go; "" keeps prometheus/alertmanager.yml's receiver
	ListenAddress    string // default: 127.0.0.1 on a free port
	Stdout, Stderr   io.Writer
}

// StartForRun starts Alertmanager for a run: its configuration (prometheus/alertmanager.yml,
// with WebhookURL when given) and data live under <RunDir>/alertmanager, and the run's
// Prometheus configuration is pointed at it. Call it after promrun.PrepareRunDir and
// before promrun.Start; stop the returned server after Prometheus.
func StartForRun(ctx context.Context, o RunOptions) (*Server, error) {
	if o.RunDir == "" || o.PrometheusConfig == "" {
		return nil, fmt.Errorf("alertmanager: StartForRun needs RunDir and PrometheusConfig")
	}
	dir := filepath.Join(o.RunDir, "alertmanager")
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, fmt.Errorf("alertmanager: %w", err)
	}
	base, err := DefaultConfigFile()
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "alertmanager.yml")
	if o.WebhookURL != "" {
		err = WriteConfig(base, cfg, o.WebhookURL)
	} else {
		err = copyFile(base, cfg)
	}
	if err != nil {
		return nil, err
	}
	s, err := Start(ctx, Options{ConfigFile: cfg, DataDir: filepath.Join(dir, "data"), ListenAddress: o.ListenAddress,
		Stdout: o.Stdout, Stderr: o.Stderr})
	if err != nil {
		return nil, err
	}
	if err := AddToPrometheusConfig(o.PrometheusConfig, s.Address()); err != nil {
		_ = s.Stop(context.Background())
		return nil, err
	}
	return s, nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("alertmanager: %w", err)
	}
	return os.WriteFile(dst, b, 0o644)
}
