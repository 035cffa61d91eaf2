package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ssebench/ssebench/exporter/config"
)

// DefaultListenAddress is loopback: process figures are not for the whole network.
const DefaultListenAddress = "127.0.0.1:9877"

type options struct {
	listenAddress string
	webConfigFile string
	configFile    string
	procRoot      string
	targets       []config.Target
	logLevel      string
	logFormat     string
	showVersion   bool
}

// targetList is the repeatable --target flag.
type targetList struct{ targets *[]config.Target }

func (l targetList) String() string { return "" }

func (l targetList) Set(s string) error {
	t, err := config.ParseTargetFlag(s)
	if err != nil {
		return err
	}
	*l.targets = append(*l.targets, t)
	return nil
}

// parseFlags reads flags; each falls back to an SSEBENCH_EXPORTER_* environment variable.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("ssebench-exporter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listenAddress, "web.listen-address", env("WEB_LISTEN_ADDRESS", DefaultListenAddress),
		"address to serve /metrics and /probe on (env SSEBENCH_EXPORTER_WEB_LISTEN_ADDRESS)")
	fs.StringVar(&o.webConfigFile, "web.config.file", env("WEB_CONFIG_FILE", ""),
		"exporter-toolkit web config: TLS and basic auth (env SSEBENCH_EXPORTER_WEB_CONFIG_FILE)")
	fs.StringVar(&o.configFile, "config.file", env("CONFIG_FILE", ""),
		"YAML file of targets and probe modules, reloaded on SIGHUP and POST /-/reload (env SSEBENCH_EXPORTER_CONFIG_FILE)")
	fs.StringVar(&o.procRoot, "path.procfs", env("PATH_PROCFS", "/proc"),
		"proc filesystem to read (env SSEBENCH_EXPORTER_PATH_PROCFS)")
	fs.Var(targetList{&o.targets}, "target",
		"NAME:KIND=VALUE with KIND pidfile, port, exe, comm or cmdline; repeatable "+
			"(env SSEBENCH_EXPORTER_TARGETS, entries separated by ';')")
	fs.StringVar(&o.logLevel, "log.level", env("LOG_LEVEL", "info"), "debug, info, warn or error (env SSEBENCH_EXPORTER_LOG_LEVEL)")
	fs.StringVar(&o.logFormat, "log.format", env("LOG_FORMAT", "logfmt"), "logfmt or json (env SSEBENCH_EXPORTER_LOG_FORMAT)")
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q: every setting is a flag", fs.Args())
	}
	if !flagSet(fs, "target") {
		for _, s := range strings.Split(os.Getenv("SSEBENCH_EXPORTER_TARGETS"), ";") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if err := (targetList{&o.targets}).Set(s); err != nil {
				return o, fmt.Errorf("SSEBENCH_EXPORTER_TARGETS: %w", err)
			}
		}
	}
	return o, nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv("SSEBENCH_EXPORTER_" + name); ok {
		return v
	}
	return def
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
