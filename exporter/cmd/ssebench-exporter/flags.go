package main

import (
	"strings"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/exporterconfig"
)

// DefaultListenAddress is loopback: process figures are not for the whole network.
const DefaultListenAddress = "127.0.0.1:9877"

type options struct {
	listenAddress string
	webConfigFile string
	configFile    string
	procRoot      string
	targets       []exporterconfig.Target
	logLevel      string
	logFormat     string
	telemetryPath string
	noOwnMetrics  bool // --web.disable-exporter-metrics
}

// targetList is the repeatable --target flag.
type targetList struct{ targets *[]exporterconfig.Target }

func (l targetList) String() string { return "" }

func (l targetList) Set(s string) error {
	t, err := exporterconfig.ParseTargetFlag(s)
	if err != nil {
		return err
	}
	*l.targets = append(*l.targets, t)
	return nil
}

// Repeatable: $SSEBENCH_EXPORTER_TARGET holds one target per line.
func (l targetList) Repeatable() {}

// parseFlags reads flags; each falls back to an SSEBENCH_EXPORTER_* environment variable.
func parseFlags(args []string, lookupEnv func(string) (string, bool)) (options, *cli.FlagSet, error) {
	var o options
	fs := cli.NewFlagSet("ssebench-exporter", "SSEBENCH_EXPORTER")
	fs.About = "Per-process CPU, memory, threads, fds, context switches and TCP connections of each benchmarked server on /metrics, and an SSE stream probe on /probe. See exporter/README.md."
	fs.Examples = []string{
		"ssebench-exporter --target go-http:port=8081 --target stub:comm=stub",
		"ssebench-exporter --config.file exporter.yml --web.listen-address 0.0.0.0:9877",
		"SSEBENCH_EXPORTER_TARGET=$'a:port=8081\\nb:pidfile=/run/b.pid' ssebench-exporter  # one target per line",
		"curl '127.0.0.1:9877/probe?module=chat&target=http://127.0.0.1:18080/v1/chat/completions'",
	}
	fs.StringVar(&o.listenAddress, "web.listen-address", DefaultListenAddress, "address to serve /metrics and /probe on")
	fs.StringVar(&o.telemetryPath, "web.telemetry-path", "/metrics", "path under which to expose metrics")
	fs.BoolVar(&o.noOwnMetrics, "web.disable-exporter-metrics", false, "leave out the exporter's own go_*, process_* and promhttp_* metrics")
	fs.StringVar(&o.webConfigFile, "web.config.file", "", "exporter-toolkit web config: TLS and basic auth")
	fs.StringVar(&o.configFile, "config.file", "", "YAML file of targets and probe modules, reloaded on SIGHUP and POST /-/reload")
	fs.StringVar(&o.procRoot, "path.procfs", "/proc", "proc filesystem to read")
	fs.Var(targetList{&o.targets}, "target",
		"`NAME:KIND=VALUE` with KIND pidfile, port, exe, comm or cmdline; repeatable (one per line in the variable)")
	fs.StringVar(&o.logLevel, "log.level", "info", "debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log.format", "logfmt", "logfmt or json")
	if err := fs.Parse(args, lookupEnv); err != nil {
		return o, fs, err
	}
	o.logFormat = strings.ToLower(o.logFormat)
	if err := checkTelemetryPath(o.telemetryPath); err != nil {
		return o, fs, err
	}
	return o, fs, nil
}

// reservedPaths are the exporter's other routes, which the metrics may not hide.
var reservedPaths = []string{"/", "/probe", "/-/reload", "/-/healthy"}

func checkTelemetryPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return cli.Usagef("--web.telemetry-path %q: want a path starting with /", p)
	}
	for _, r := range reservedPaths {
		if p == r {
			return cli.Usagef("--web.telemetry-path %q is another of the exporter's routes", p)
		}
	}
	return nil
}
