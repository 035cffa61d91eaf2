package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/stub"
)

// exampleHistogram is the illustrative histogram shipped for users.
var exampleHistogram = filepath.Join("..", "..", "testdata", "chat-answer-tokens.csv")

func envOf(kv map[string]string) func(string) (string, bool) { return cli.MapEnv(kv) }

func testIO(stdout, stderr *bytes.Buffer) cli.IO {
	return cli.IO{Stdout: stdout, Stderr: stderr, LookupEnv: envOf(nil)}
}

func TestParseOptions(t *testing.T) {
	realistic3 := stub.RealisticShape()
	realistic3.Tokens = 3
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		address string
		shape   *stub.Shape
		check   func(o options) bool
	}{
		{name: "defaults", address: defaultListenAddress, shape: ptr(stub.DefaultShape()),
			check: func(o options) bool {
				return o.config == stub.DefaultConfig() && o.shutdownTimeout == 10*time.Second && o.procs == 0
			}},
		{name: "fixed procs", env: map[string]string{"STUB_PROCS": "2"}, address: defaultListenAddress,
			check: func(o options) bool { return o.procs == 2 }},
		{name: "flag", args: []string{"--tokens", "3", "--jitter=2ms"}, address: defaultListenAddress,
			check: func(o options) bool { return o.config.Shape.Tokens == 3 && o.config.Shape.Jitter == 2*time.Millisecond }},
		{name: "env fallback", env: map[string]string{"STUB_TOKENS": "5", "STUB_ERROR_RATE": "0.5", "STUB_STALL": "1s"}, address: defaultListenAddress,
			check: func(o options) bool {
				return o.config.Shape.Tokens == 5 && o.config.Faults.ErrorRate == 0.5 && o.config.Faults.Stall == time.Second
			}},
		{name: "flag beats env", args: []string{"-tokens=7"}, env: map[string]string{"STUB_TOKENS": "5"}, address: defaultListenAddress,
			check: func(o options) bool { return o.config.Shape.Tokens == 7 }},
		{name: "realistic profile", args: []string{"--profile", "realistic"}, address: defaultListenAddress, shape: ptr(stub.RealisticShape())},
		{name: "profile env then explicit field", args: []string{"--tokens", "3"}, env: map[string]string{"STUB_PROFILE": "realistic"},
			address: defaultListenAddress, shape: &realistic3},
		{name: "faults", args: []string{"--abort-after", "2", "--abort-rate", "0.1", "--error-status", "429"}, address: defaultListenAddress,
			check: func(o options) bool {
				f := o.config.Faults
				return f.AbortAfter == 2 && f.AbortRate == 0.1 && f.ErrorStatus == 429
			}},
		{name: "listen flag", args: []string{"--listen-address", "127.0.0.1:9"}, env: map[string]string{"PORT": "8080"}, address: "127.0.0.1:9"},
		{name: "listen env beats PORT", env: map[string]string{"STUB_LISTEN_ADDRESS": "127.0.0.1:7", "PORT": "8080"}, address: "127.0.0.1:7"},
		{name: "PORT and HOST", env: map[string]string{"PORT": "8080", "HOST": "0.0.0.0"}, address: "0.0.0.0:8080"},
		{name: "PORT alone", env: map[string]string{"PORT": "8080"}, address: "127.0.0.1:8080"},
		{name: "tokens dist flag", args: []string{"--tokens-dist", "lognormal:mean=200,sd=150"}, address: defaultListenAddress,
			check: func(o options) bool {
				return o.config.Shape.TokensDist.String() == "lognormal:mean=200,sd=150" && o.config.Shape.Tokens == stub.DefaultShape().Tokens
			}},
		{name: "tokens dist env over a profile", env: map[string]string{"STUB_TOKENS_DIST": "histogram:" + exampleHistogram, "STUB_PROFILE": "realistic"},
			address: defaultListenAddress,
			check: func(o options) bool {
				return o.config.Shape.TokensDist.String() == "histogram:"+exampleHistogram && o.config.Shape.InterTokenDelay == 20*time.Millisecond
			}},
		{name: "named histograms by flag", args: []string{"--tokens-hist", "chat=" + exampleHistogram, "--tokens-hist", "long=" + exampleHistogram},
			address: defaultListenAddress,
			check:   func(o options) bool { return slices.Equal(o.config.TokensHistograms.Names(), []string{"chat", "long"}) }},
		{name: "named histograms by env lines", env: map[string]string{"STUB_TOKENS_HIST": "chat=" + exampleHistogram + "\nlong=" + exampleHistogram + "\n"},
			address: defaultListenAddress,
			check:   func(o options) bool { return slices.Equal(o.config.TokensHistograms.Names(), []string{"chat", "long"}) }},
		{name: "seed zero is a seed", args: []string{"--seed", "0"}, address: defaultListenAddress,
			check: func(o options) bool { return o.config.Seeded && o.config.Seed == 0 }},
		{name: "seed env", env: map[string]string{"STUB_SEED": "42"}, address: defaultListenAddress,
			check: func(o options) bool { return o.config.Seeded && o.config.Seed == 42 }},
		{name: "shutdown and log level", args: []string{"--shutdown-timeout", "1s", "--log-level", "debug"}, address: defaultListenAddress,
			check: func(o options) bool { return o.shutdownTimeout == time.Second && o.logLevel.String() == "DEBUG" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, _, err := parseOptions(tc.args, envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if o.listenAddress != tc.address {
				t.Errorf("listen address %q, want %q", o.listenAddress, tc.address)
			}
			if tc.shape != nil && o.config.Shape != *tc.shape {
				t.Errorf("shape %+v, want %+v", o.config.Shape, *tc.shape)
			}
			if tc.check != nil && !tc.check(o) {
				t.Errorf("options %+v", o)
			}
		})
	}
}

func TestBadFlagsExitTwoNamingTheProblem(t *testing.T) {
	badHistogram := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(badHistogram, []byte("# tokens\n10,1\n20,many\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		mention string
	}{
		{"bad int flag", []string{"--tokens", "x"}, nil, "-tokens"},
		{"bad env", nil, map[string]string{"STUB_INTER_TOKEN_DELAY": "soon"}, "STUB_INTER_TOKEN_DELAY"},
		{"unknown profile", []string{"--profile", "fast"}, nil, "profile"},
		{"rate out of range", []string{"--error-rate", "2"}, nil, "error rate"},
		{"status out of range", []string{"--error-status", "200"}, nil, "error status"},
		{"negative delay", []string{"--time-to-first-token", "-1s"}, nil, "time-to-first-token"},
		{"bad duration env", nil, map[string]string{"STUB_STALL": "1.5"}, `$STUB_STALL="1.5"`},
		{"bad PORT", nil, map[string]string{"PORT": "http"}, "PORT"},
		{"bad log level", []string{"--log-level", "loud"}, nil, "log-level"},
		{"unknown flag", []string{"--tokenz", "3"}, nil, "tokenz"},
		{"stray argument", []string{"serve"}, nil, "serve"},
		{"negative shutdown", []string{"--shutdown-timeout", "-1s"}, nil, "shutdown-timeout"},
		{"zero procs", []string{"--procs", "0"}, nil, "--procs"},
		{"bad procs env", nil, map[string]string{"STUB_PROCS": "many"}, "--procs"},
		{"unknown distribution", []string{"--tokens-dist", "normal:mean=200,sd=150"}, nil, `--tokens-dist "normal:mean=200,sd=150": unknown distribution "normal"`},
		{"sd missing", []string{"--tokens-dist", "lognormal:mean=200"}, nil, "sd missing"},
		{"negative mean by env", nil, map[string]string{"STUB_TOKENS_DIST": "lognormal:mean=-1,sd=1"}, "mean -1 out of range"},
		{"tokens and tokens-dist", []string{"--tokens", "5", "--tokens-dist", "lognormal:mean=5,sd=1"}, nil, "--tokens and --tokens-dist"},
		{"tokens env and tokens-dist", []string{"--tokens-dist", "lognormal:mean=5,sd=1"}, map[string]string{"STUB_TOKENS": "5"}, "--tokens and --tokens-dist"},
		{"bad histogram line", []string{"--tokens-dist", "histogram:" + badHistogram}, nil, "bad.csv:3: weight \"many\" is not a number"},
		{"missing histogram", []string{"--tokens-dist", "histogram:absent.csv"}, nil, "absent.csv"},
		{"tokens-hist without a path", []string{"--tokens-hist", "chat"}, nil, "--tokens-hist: want NAME=PATH"},
		{"tokens-hist bad name", []string{"--tokens-hist", "a/b=" + exampleHistogram}, nil, `histogram name "a/b"`},
		{"tokens-hist bad file by env", nil, map[string]string{"STUB_TOKENS_HIST": "chat=" + badHistogram}, "bad.csv:3:"},
		{"tokens-hist twice", []string{"--tokens-hist", "chat=" + exampleHistogram, "--tokens-hist", "chat=" + exampleHistogram}, nil, "given twice"},
		{"bad seed", []string{"--seed", "x"}, nil, "--seed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			sys := testIO(&stdout, &stderr)
			sys.LookupEnv = envOf(tc.env)
			if code := run(tc.args, sys); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tc.mention) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr %q: want one line mentioning %q", stderr.String(), tc.mention)
			}
		})
	}
}

func TestHelpAndVersionExitZeroOnStdout(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-h"}, []string{"Usage: stub", "--inter-token-delay duration", "[$STUB_INTER_TOKEN_DELAY]", "(default 500µs)", "Examples:"}},
		{[]string{"--help"}, []string{"Usage: stub"}},
		{[]string{"--version"}, []string{"stub "}},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, testIO(&stdout, &stderr)); code != 0 || stderr.Len() > 0 {
			t.Errorf("%v: exit %d, stderr %q; want 0 and nothing", tc.args, code, stderr.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%v: stdout lacks %q:\n%s", tc.args, w, stdout.String())
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
