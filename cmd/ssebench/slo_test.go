package main

import (
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/load"
)

// TestParseSLOFlagOfLoadAndRun: --slo and $SSEBENCH_SLO, one syntax in both commands, the
// default when neither is given, the flag beating the variable.
func TestParseSLOFlagOfLoadAndRun(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		args []string
		env  map[string]string
		want load.SLO
	}{
		{nil, nil, load.DefaultSLO},
		{[]string{"--slo", "ttft<=200ms,gap<=50ms"}, nil, load.SLO{TTFT: 200 * ms, Gap: 50 * ms}},
		{nil, map[string]string{"SSEBENCH_SLO": "gap<=40ms"}, load.SLO{Gap: 40 * ms}},
		{[]string{"--slo", "ttft<=300ms"}, map[string]string{"SSEBENCH_SLO": "gap<=40ms"}, load.SLO{TTFT: 300 * ms}},
	} {
		f, _, err := parseLoadFlags(append([]string{"--target", "http://127.0.0.1:1"}, c.args...), cli.MapEnv(c.env))
		if err != nil || f.slo != c.want {
			t.Errorf("load %v %v: SLO %s, %v; want %s", c.args, c.env, f.slo, err, c.want)
		}
		_, cfg, err := parseRunFlags(c.args, cli.IO{LookupEnv: cli.MapEnv(c.env), Stdout: io.Discard, Stderr: io.Discard})
		if err != nil || cfg.SLO != c.want {
			t.Errorf("run %v %v: SLO %s, %v; want %s", c.args, c.env, cfg.SLO, err, c.want)
		}
	}
}

// TestParseSLOFlagRefusesBadBounds: a usage error (exit 2) naming the flag or variable and the bound.
func TestParseSLOFlagRefusesBadBounds(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want []string
	}{
		{[]string{"--slo", "tpot<=20ms"}, nil, []string{"--slo", `unknown key "tpot"`}},
		{[]string{"--slo", "ttft<=fast"}, nil, []string{"--slo", `"fast" is not a duration`}},
		{nil, map[string]string{"SSEBENCH_SLO": "ttft<1s"}, []string{"$SSEBENCH_SLO", "(for --slo)", "want key<=duration"}},
	} {
		for _, cmd := range []string{"load", "run"} {
			var err error
			if cmd == "load" {
				_, _, err = parseLoadFlags(append([]string{"--target", "http://127.0.0.1:1"}, c.args...), cli.MapEnv(c.env))
			} else {
				_, _, err = parseRunFlags(c.args, cli.IO{LookupEnv: cli.MapEnv(c.env), Stdout: io.Discard, Stderr: io.Discard})
			}
			usage, ok := err.(*cli.UsageError)
			if !ok {
				t.Errorf("%s %v %v: %v, want a usage error", cmd, c.args, c.env, err)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(usage.Error(), w) {
					t.Errorf("%s %v %v: %q does not say %q", cmd, c.args, c.env, usage.Error(), w)
				}
			}
		}
	}
}

// TestSLOOfTheLoadCommandReachesItsSummary: the heading and the summary name the SLO given.
func TestSLOOfTheLoadCommandReachesItsSummary(t *testing.T) {
	var probed atomic.Int64
	target := sseTarget(t, &probed)
	status, stdout, stderr := runLoad(t, "--target", target.URL, "--scenarios-file", tinyScenarios(t), "--scenario", "tiny",
		"--quick", "--quick-factor", "0.1", "--slo", "gap<=5s")
	if status != 0 {
		t.Fatalf("exit %d: %s", status, stderr)
	}
	for _, want := range []string{"· SLO gap<=5s\n", "streams met the SLO (gap<=5s) = 100.00 %"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}
