package cli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }
func (l *list) Repeatable()        {}

type parsed struct {
	name    string
	n       int
	d       time.Duration
	verbose bool
	items   list
}

func newTestFlags() (*FlagSet, *parsed) {
	p := &parsed{}
	fs := NewFlagSet("tool sub", "TOOL")
	fs.Synopsis = []string{"tool sub [flags]"}
	fs.Examples = []string{"tool sub --count 3  # three"}
	fs.StringVar(&p.name, "name", "x", "a name")
	fs.IntVar(&p.n, "count", 1, "a count")
	fs.Duration(&p.d, "wait.time", 30*time.Second, "a wait")
	fs.BoolVar(&p.verbose, "v", false, "verbose")
	fs.Var(&p.items, "item", "repeatable")
	return fs, p
}

func TestParseFlagsThenEnvironment(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(p *parsed) bool
	}{
		{"defaults", nil, nil, func(p *parsed) bool { return p.name == "x" && p.n == 1 && p.d == 30*time.Second }},
		{"env fallback", nil, map[string]string{"TOOL_COUNT": "4", "TOOL_WAIT_TIME": "2d"},
			func(p *parsed) bool { return p.n == 4 && p.d == 48*time.Hour }},
		{"flag beats env", []string{"--count=5"}, map[string]string{"TOOL_COUNT": "4"}, func(p *parsed) bool { return p.n == 5 }},
		{"empty env is unset", nil, map[string]string{"TOOL_NAME": " "}, func(p *parsed) bool { return p.name == "x" }},
		{"one value per line", nil, map[string]string{"TOOL_ITEM": "a\n\nb\n"}, func(p *parsed) bool { return p.items.String() == "a,b" }},
		{"one-letter flags have no variable", nil, map[string]string{"TOOL_V": "true"}, func(p *parsed) bool { return !p.verbose }},
		{"prometheus duration", []string{"--wait.time", "1h30m"}, nil, func(p *parsed) bool { return p.d == 90*time.Minute }},
		{"go duration", []string{"--wait.time", "1h0m0.5s"}, nil, func(p *parsed) bool { return p.d == time.Hour+500*time.Millisecond }},
		{"sub-millisecond", nil, map[string]string{"TOOL_WAIT_TIME": "500us"}, func(p *parsed) bool { return p.d == 500*time.Microsecond }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, p := newTestFlags()
			if err := fs.Parse(tc.args, MapEnv(tc.env)); err != nil {
				t.Fatal(err)
			}
			if !tc.check(p) {
				t.Errorf("parsed %+v", *p)
			}
		})
	}
}

func TestExitStatusAndOneMessage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		code     int
		stdout   []string
		stderrIs string // the one line on stderr must contain it
	}{
		{"help", []string{"-h"}, nil, 0, []string{"Usage: tool sub", "Examples:", "--count int", "[$TOOL_COUNT]", "(default 30s)"}, ""},
		{"long help", []string{"--help"}, nil, 0, []string{"Usage:"}, ""},
		{"version", []string{"--version"}, nil, 0, []string{"tool sub "}, ""},
		{"unknown flag", []string{"--bogus"}, nil, 2, nil, "-bogus"},
		{"stray argument", []string{"stray"}, nil, 2, nil, `"stray"`},
		{"bad value", []string{"--count", "many"}, nil, 2, nil, "-count"},
		{"bad env", nil, map[string]string{"TOOL_COUNT": "many"}, 2, nil, `$TOOL_COUNT="many"`},
		{"not a duration", []string{"--wait.time", "soon"}, nil, 2, nil, "wait.time"},
		{"negative duration", []string{"--wait.time", "-1s"}, nil, 2, nil, "wait.time"},
		{"not a duration in env", nil, map[string]string{"TOOL_WAIT_TIME": "1.5"}, 2, nil, "TOOL_WAIT_TIME"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			fs, _ := newTestFlags()
			code := fs.Exit(fs.Parse(tc.args, MapEnv(tc.env)), IO{Stdout: &stdout, Stderr: &stderr})
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
			if tc.stderrIs == "" {
				if stderr.Len() > 0 {
					t.Errorf("stderr %q, want nothing", stderr.String())
				}
				return
			}
			if lines := strings.Count(stderr.String(), "\n"); lines != 1 || !strings.Contains(stderr.String(), tc.stderrIs) {
				t.Errorf("stderr %q: want one line naming %q", stderr.String(), tc.stderrIs)
			}
		})
	}
}

func TestRuntimeErrorExitsOne(t *testing.T) {
	var stderr bytes.Buffer
	fs, _ := newTestFlags()
	if code := fs.Exit(errors.New("boom"), IO{Stderr: &stderr}); code != 1 || stderr.String() != "tool sub: boom\n" {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	if code := fs.Exit(flag.ErrHelp, IO{Stdout: &bytes.Buffer{}}); code != 0 {
		t.Errorf("help: exit %d", code)
	}
}

func TestFormatDurationReadsBack(t *testing.T) {
	for _, d := range []time.Duration{0, 500 * time.Microsecond, 1500 * time.Millisecond, 90 * time.Minute, 48 * time.Hour} {
		back, err := ParseDuration(FormatDuration(d))
		if err != nil || back != d {
			t.Errorf("%v formats as %q, reads back as %v, %v", d, FormatDuration(d), back, err)
		}
	}
	if FormatDuration(48*time.Hour) != "2d" {
		t.Errorf("2 days format as %q, want 2d", FormatDuration(48*time.Hour))
	}
}
