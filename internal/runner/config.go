// Package runner is `ssebench run`: the whole benchmark on one machine. It starts
// Prometheus (or uses one), the stub and the exporter, then for each server: build it,
// start it, wait until healthy, run each scenario with the load generator pushing into
// Prometheus, stop it. It ends with the results table computed by the catalog's PromQL,
// the load generator's own figures beside it, a results JSON and the HTML report.
package runner

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/run"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/sweep"
)

// Config is everything a run needs; zero values pick the defaults documented on each field.
type Config struct {
	Root          string        // repository root (required)
	Servers       []string      // server names; empty = every server of servers.yaml
	Scenarios     []string      // scenario names; empty = DefaultScenarios
	ScenariosFile string        // default <root>/k6/scenarios.json (load.ScenariosPath)
	Quick         bool          // the same shapes, seconds long
	QuickFactor   float64       // default load.DefaultQuickFactor (60 s → 6 s)
	PrometheusURL string        // use this Prometheus instead of starting one
	Keep          bool          // leave the Prometheus we started running at the end
	TestID        string        // the run id; default: a sortable time-based id
	Trials        int           // passes over every server × scenario, each under its own testid; default DefaultTrials
	OrderSeed     uint64        // seed of each trial's server order; 0 picks one from the clock (printed)
	Reference     bool          // also measure the stub with no proxy in front ("direct") in every trial
	WarmUp        time.Duration // before a server's first scenario: this long at the baseline's 10 VUs, measured by nobody; 0: none
	Sweep         sweep.Config  // shape of the sweep, when Scenarios has "sweep"
	Duet          DuetConfig    // shape of the side-by-side procedure, when Scenarios has "duet"
	ServersFile   string        // the list of servers; default <root>/servers/servers.yaml
	ReportDir     string        // default <root>/report (ReportPath)
	DataDir       string        // Prometheus data, kept across runs for trends; default <root>/.ssebench/prometheus (DataPath)
	StubArgs      []string      // extra flags for the stub (e.g. a slower inter-token delay)
	Headers       http.Header
	SLO           load.SLO // every load run's goodput SLO (load.Options.SLO); zero: load.DefaultSLO
	NoExporter    bool     // skip the exporter: CPU and memory columns show —
	NoReport      bool     // skip the HTML report
	Alerts        bool     // start Alertmanager and wire the run's Prometheus to it
	AlertsWebhook string   // where Alertmanager sends notifications; "" keeps prometheus/alertmanager.yml's receiver
	Stdout        io.Writer
	TTY           bool
	Logger        *slog.Logger
	SettleTime    time.Duration // pause after the last load run so the last scrapes land; default 3 s
}

// Defaults of Config that ssebench run's flags show, and the paths ssebench report and compare
// find a run's outputs at.
var DefaultScenarios = []string{catalog.ScenarioBaseline, catalog.ScenarioStress, catalog.ScenarioEfficiency}

const (
	DefaultTrials = 1
	ReportPath    = "report"               // report/<testid>/, relative to the repository root
	DataPath      = ".ssebench/prometheus" // the kept Prometheus data, relative to the repository root
)

func (c *Config) applyDefaults() error {
	if c.Root == "" {
		return fmt.Errorf("runner: the repository root is not set")
	}
	if c.Alerts && c.PrometheusURL != "" {
		return fmt.Errorf("runner: --alerts needs the Prometheus that ssebench run starts; for your own Prometheus, " +
			"load prometheus/rules/ and add an alerting section pointing at your Alertmanager")
	}
	if len(c.Scenarios) == 0 {
		c.Scenarios = slices.Clone(DefaultScenarios)
	}
	if c.ServersFile == "" {
		c.ServersFile = filepath.Join(c.Root, servers.RegistryPath)
	}
	if err := c.Duet.Validate(); err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	if c.ScenariosFile == "" {
		c.ScenariosFile = filepath.Join(c.Root, filepath.FromSlash(load.ScenariosPath))
	}
	if c.SLO == (load.SLO{}) {
		c.SLO = load.DefaultSLO
	}
	if c.QuickFactor <= 0 {
		c.QuickFactor = load.DefaultQuickFactor
	}
	if c.TestID == "" {
		c.TestID = run.NewID(time.Now())
	}
	if err := run.ValidateID(c.TestID); err != nil {
		return fmt.Errorf("runner: --testid: %w", err)
	}
	if c.Trials == 0 {
		c.Trials = DefaultTrials
	}
	if c.Trials < 0 || c.Trials > 100 {
		return fmt.Errorf("runner: --trials %d: want 1 to 100", c.Trials)
	}
	if c.OrderSeed == 0 {
		c.OrderSeed = uint64(time.Now().UnixNano())
	}
	if c.ReportDir == "" {
		c.ReportDir = filepath.Join(c.Root, ReportPath)
	}
	if c.DataDir == "" {
		c.DataDir = filepath.Join(c.Root, filepath.FromSlash(DataPath))
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.SettleTime <= 0 {
		c.SettleTime = 3 * time.Second
	}
	return nil
}
