package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/ssebench/ssebench/stub"
)

const defaultListenAddress = "127.0.0.1:18080"

// options is the parsed command line.
type options struct {
	listenAddress   string
	config          stub.Config
	shutdownTimeout time.Duration
	logLevel        slog.Level
	healthcheck     bool
}

// envNames maps each flag to its environment fallback.
var envNames = map[string]string{
	"listen-address":      "STUB_LISTEN_ADDRESS",
	"profile":             "STUB_PROFILE",
	"tokens":              "STUB_TOKENS",
	"time-to-first-token": "STUB_TIME_TO_FIRST_TOKEN",
	"inter-token-delay":   "STUB_INTER_TOKEN_DELAY",
	"jitter":              "STUB_JITTER",
	"token-size":          "STUB_TOKEN_SIZE",
	"error-rate":          "STUB_ERROR_RATE",
	"error-status":        "STUB_ERROR_STATUS",
	"abort-rate":          "STUB_ABORT_RATE",
	"abort-after":         "STUB_ABORT_AFTER",
	"stall":               "STUB_STALL",
	"shutdown-timeout":    "STUB_SHUTDOWN_TIMEOUT",
	"log-level":           "STUB_LOG_LEVEL",
}

// shapeFlags override the chosen profile only when given explicitly.
var shapeFlags = []string{"tokens", "time-to-first-token", "inter-token-delay", "jitter", "token-size"}

// parseOptions reads flags, then environment fallbacks for flags not given,
// then PORT and HOST (the container convention) when no listen address was
// given either way. A flag beats its variable; both beat the profile.
func parseOptions(args []string, getenv func(string) string, usageOut io.Writer) (options, error) {
	fs := flag.NewFlagSet("stub", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned and printed once by the caller
	o := options{config: stub.DefaultConfig()}
	var profile string
	shape := stub.DefaultShape()
	fs.StringVar(&o.listenAddress, "listen-address", defaultListenAddress, "address to listen on (PORT and HOST are used when neither this flag nor STUB_LISTEN_ADDRESS is set)")
	fs.StringVar(&profile, "profile", stub.ProfileDefault, "stream shape profile: default (8 tokens, a few ms) or realistic (256 tokens, 200ms to first, 20ms apart)")
	fs.IntVar(&shape.Tokens, "tokens", shape.Tokens, "content chunks per stream (overrides the profile)")
	fs.DurationVar(&shape.TimeToFirstToken, "time-to-first-token", shape.TimeToFirstToken, "delay before the first content chunk (overrides the profile)")
	fs.DurationVar(&shape.InterTokenDelay, "inter-token-delay", shape.InterTokenDelay, "delay between content chunks (overrides the profile)")
	fs.DurationVar(&shape.Jitter, "jitter", shape.Jitter, "uniform ± jitter added to each delay (overrides the profile)")
	fs.IntVar(&shape.TokenSize, "token-size", shape.TokenSize, "characters per content chunk (overrides the profile)")
	f := &o.config.Faults
	fs.Float64Var(&f.ErrorRate, "error-rate", f.ErrorRate, "probability of answering --error-status instead of a completion")
	fs.IntVar(&f.ErrorStatus, "error-status", f.ErrorStatus, "HTTP status of injected errors (400-599)")
	fs.Float64Var(&f.AbortRate, "abort-rate", f.AbortRate, "probability of dropping the connection mid-stream")
	fs.IntVar(&f.AbortAfter, "abort-after", f.AbortAfter, "drop every stream's connection after this many content chunks (-1: never)")
	fs.DurationVar(&f.Stall, "stall", f.Stall, "pause every stream once, halfway, for this long (0: never)")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight streams may run after SIGTERM")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "debug, info, warn or error")
	fs.BoolVar(&o.healthcheck, "healthcheck", false, "probe /healthz of --listen-address and exit 0 if healthy (for container health checks)")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(usageOut, "Usage: stub [flags]; every flag falls back to an environment variable (STUB_ + flag name, upper case, - as _).")
			fs.SetOutput(usageOut)
			fs.PrintDefaults()
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set, err := applyEnv(fs, getenv)
	if err != nil {
		return o, err
	}
	if !set["listen-address"] {
		if addr, err := hostPort(getenv); err != nil {
			return o, err
		} else if addr != "" {
			o.listenAddress = addr
		}
	}
	if o.config.Shape, err = stub.ProfileShape(profile); err != nil {
		return o, fmt.Errorf("--profile: %w", err)
	}
	overrideShape(&o.config.Shape, shape, set)
	if err := o.config.Validate(); err != nil {
		return o, err
	}
	if o.shutdownTimeout < 0 {
		return o, fmt.Errorf("--shutdown-timeout %v must not be negative", o.shutdownTimeout)
	}
	return o, nil
}

// applyEnv sets each flag not given on the command line from its variable,
// and returns which flags ended up set either way.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) (map[string]bool, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(envNames)) {
		env := envNames[name]
		v := getenv(env)
		if set[name] || v == "" {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			continue
		}
		set[name] = true
	}
	return set, errors.Join(errs...)
}

func hostPort(getenv func(string) string) (string, error) {
	port := getenv("PORT")
	if port == "" {
		return "", nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("PORT=%q is not a port number", port)
	}
	host := getenv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

func overrideShape(dst *stub.Shape, given stub.Shape, set map[string]bool) {
	for _, name := range shapeFlags {
		if !set[name] {
			continue
		}
		switch name {
		case "tokens":
			dst.Tokens = given.Tokens
		case "time-to-first-token":
			dst.TimeToFirstToken = given.TimeToFirstToken
		case "inter-token-delay":
			dst.InterTokenDelay = given.InterTokenDelay
		case "jitter":
			dst.Jitter = given.Jitter
		case "token-size":
			dst.TokenSize = given.TokenSize
		}
	}
}
