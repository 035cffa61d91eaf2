package main

import (
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/stub"
)

const defaultListenAddress = "127.0.0.1:18080"

// options is the parsed command line.
type options struct {
	listenAddress   string
	config          stub.Config
	shutdownTimeout time.Duration
	logLevel        slog.Level
	healthcheck     bool
	procs           int // 0: adapt to the load (stub.AdaptProcs)
}

// shapeFlags override the chosen profile only when given explicitly.
var shapeFlags = []string{"tokens", "time-to-first-token", "inter-token-delay", "jitter", "token-size"}

// parseOptions reads flags, then environment fallbacks (STUB_*) for flags not given, then
// PORT and HOST (the container convention) when no listen address was given either way.
// A flag beats its variable; both beat the profile.
func parseOptions(args []string, lookupEnv func(string) (string, bool)) (options, *cli.FlagSet, error) {
	fs := cli.NewFlagSet("stub", "STUB")
	fs.About = "The mock LLM: an OpenAI-compatible /v1/chat/completions that streams tokens in a chosen shape, with injected faults, and its own /metrics."
	fs.Examples = []string{
		"stub                                          # 127.0.0.1:18080, 8 tokens a few ms apart",
		"stub --profile realistic --listen-address :8080",
		"STUB_INTER_TOKEN_DELAY=2ms STUB_TOKENS=64 stub # the same flags from the environment",
		"stub --error-rate 0.01 --stall 2s             # 1 % errors, every stream pauses once",
		"stub --tokens-dist lognormal:mean=200,sd=150 --seed 1  # answer lengths drawn, the same sequence every run",
		"stub --tokens-hist chat=stub/testdata/chat-answer-tokens.csv  # requests may send X-Stub-Tokens-Dist: histogram:chat",
		"stub --healthcheck                            # exit 0 when the stub on --listen-address is healthy",
	}
	o := options{config: stub.DefaultConfig()}
	var profile string
	shape := stub.DefaultShape()
	fs.StringVar(&o.listenAddress, "listen-address", defaultListenAddress, "address to listen on (PORT and HOST are used when neither this flag nor STUB_LISTEN_ADDRESS is set)")
	fs.StringVar(&profile, "profile", stub.ProfileDefault, "stream shape profile: default (8 tokens, a few ms) or realistic (256 tokens, 200ms to first, 20ms apart)")
	fs.IntVar(&shape.Tokens, "tokens", shape.Tokens, "content chunks per stream (overrides the profile)")
	fs.Duration(&shape.TimeToFirstToken, "time-to-first-token", shape.TimeToFirstToken, "delay before the first content chunk (overrides the profile)")
	fs.Duration(&shape.InterTokenDelay, "inter-token-delay", shape.InterTokenDelay, "delay between content chunks (overrides the profile)")
	fs.Duration(&shape.Jitter, "jitter", shape.Jitter, "uniform ± jitter added to each delay (overrides the profile)")
	fs.IntVar(&shape.TokenSize, "token-size", shape.TokenSize, "characters per content chunk (overrides the profile)")
	var draws drawFlags
	draws.register(fs)
	f := &o.config.Faults
	fs.Float64Var(&f.ErrorRate, "error-rate", f.ErrorRate, "probability of answering --error-status instead of a completion")
	fs.IntVar(&f.ErrorStatus, "error-status", f.ErrorStatus, "HTTP status of injected errors (400-599)")
	fs.Float64Var(&f.AbortRate, "abort-rate", f.AbortRate, "probability of dropping the connection mid-stream")
	fs.IntVar(&f.AbortAfter, "abort-after", f.AbortAfter, "drop every stream's connection after this many content chunks (-1: never)")
	fs.Duration(&f.Stall, "stall", f.Stall, "pause every stream once, halfway, for this long (0: never)")
	fs.Duration(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight streams may run after SIGTERM")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "debug, info, warn or error")
	var procs string
	fs.StringVar(&procs, "procs", "auto", "GOMAXPROCS: auto (one while lightly loaded, every CPU when busy: the least CPU per stream at any load) or a number")
	fs.BoolVar(&o.healthcheck, "healthcheck", false, "probe /healthz of --listen-address and exit 0 if healthy (for container health checks)")

	err := fs.Parse(args, lookupEnv)
	if err != nil {
		return o, fs, err
	}
	if err := o.resolve(fs, profile, shape, lookupEnv); err != nil {
		return o, fs, err
	}
	if err := draws.apply(fs, &o.config); err != nil {
		return o, fs, err
	}
	o.procs, err = parseProcs(procs)
	return o, fs, err
}

// resolve applies PORT/HOST, the profile and the explicit shape flags, and validates.
func (o *options) resolve(fs *cli.FlagSet, profile string, shape stub.Shape, lookupEnv func(string) (string, bool)) error {
	if !fs.IsSet("listen-address") {
		if addr, err := hostPort(lookupEnv); err != nil {
			return err
		} else if addr != "" {
			o.listenAddress = addr
		}
	}
	var err error
	if o.config.Shape, err = stub.ProfileShape(profile); err != nil {
		return cli.Usagef("--profile: %v", err)
	}
	overrideShape(&o.config.Shape, shape, fs)
	if err := o.config.Validate(); err != nil {
		return cli.Usagef("%v", err)
	}
	return nil
}

func hostPort(lookupEnv func(string) (string, bool)) (string, error) {
	port, _ := lookupEnv("PORT")
	if port == "" {
		return "", nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", cli.Usagef("$PORT=%q is not a port number", port)
	}
	host, _ := lookupEnv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

func overrideShape(dst *stub.Shape, given stub.Shape, fs *cli.FlagSet) {
	for _, name := range shapeFlags {
		if !fs.IsSet(name) {
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

// parseProcs reads --procs: "auto" is 0, otherwise a positive number of Ps.
func parseProcs(v string) (int, error) {
	if v == "auto" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, cli.Usagef("--procs: %q is neither auto nor a positive number", v)
	}
	return n, nil
}
