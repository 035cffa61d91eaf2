package exporterconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseValid(t *testing.T) {
	cfg, err := Parse([]byte(`
targets:
  - server: go-http
    port: 8080
  - server: bun-http
    pidfile: /run/bun.pid
  - server: rust-http
    cmdline: 'rust-http$'
  - server: bun-hono
    exe: bun
  - server: go-gin
    comm: go-gin
modules:
  slow:
    body: '{"stream":true}'
    headers: {X-Stub-Tokens: "5"}
    timeout: 5s
    timeout_offset: 250ms
    min_events: 5
    max_event_gap: 150ms
    require_done: false
    buffering: {min_first_to_last: 40ms, max_first_event_fraction: 0.6}
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var methods []string
	for _, tg := range cfg.Targets {
		methods = append(methods, tg.Method())
	}
	if got := strings.Join(methods, ","); got != "port,pidfile,cmdline,exe,comm" {
		t.Errorf("methods = %s", got)
	}
	m, ok := cfg.Module("slow")
	if !ok {
		t.Fatal("module slow missing")
	}
	m = m.WithDefaults()
	if m.Method != "POST" || m.Timeout.D() != 5*time.Second || m.MaxEventGap.D() != 150*time.Millisecond ||
		m.WantDone() || m.Buffering.MaxFirstEventFraction != 0.6 || m.Headers["X-Stub-Tokens"] != "5" {
		t.Errorf("module decoded wrong: %+v", m)
	}
	if _, ok := cfg.Module(DefaultModuleName); !ok {
		t.Error("the built-in chat module must always be there")
	}
	if _, ok := cfg.Module("nope"); ok {
		t.Error("unknown module found")
	}
}

func TestParseEmptyFile(t *testing.T) {
	cfg, err := Parse(nil, "empty.yaml")
	if err != nil || len(cfg.Targets) != 0 {
		t.Fatalf("empty file: %v %+v", err, cfg)
	}
}

// Every way a file can be wrong, each with the words the error must carry (its line included).
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top-level key", "targetz: []\n", []string{"line 1", "targetz"}},
		{"unknown target key", "targets:\n  - server: a\n    port: 1\n    colour: red\n", []string{"line 4", "colour"}},
		{"unknown module key", "modules:\n  m:\n    tiemout: 1s\n", []string{"line 3", "tiemout"}},
		{"unknown buffering key", "modules:\n  m:\n    buffering: {fraction: 1}\n", []string{"line 3", "fraction"}},
		{"port not a number", "targets:\n  - server: a\n    port: eighty\n", []string{"line 3", "eighty"}},
		{"port out of range", "targets:\n  - server: a\n    port: 70000\n", []string{"line 2", "70000"}},
		{"negative port", "targets:\n  - server: a\n    port: -1\n", []string{"line 2", "-1"}},
		{"no server", "targets:\n  - port: 80\n", []string{"line 2", "no server name"}},
		{"server with space", "targets:\n  - server: a b\n    port: 80\n", []string{"line 2", "whitespace"}},
		{"no method", "targets:\n  - server: a\n", []string{"line 2", "needs one of"}},
		{"two methods", "targets:\n  - server: a\n    port: 80\n    comm: x\n", []string{"line 2", "port and comm"}},
		{"comm too long", "targets:\n  - server: a\n    comm: abcdefghijklmnopq\n", []string{"line 2", "15 bytes"}},
		{"bad regex", "targets:\n  - server: a\n    cmdline: 'a(('\n", []string{"line 3", "regular expression"}},
		{"regex not scalar", "targets:\n  - server: a\n    cmdline: [x]\n", []string{"line 3", "list"}},
		{"duplicate server", "targets:\n  - server: a\n    port: 1\n  - server: a\n    port: 2\n", []string{"line 4", "twice", "line 2"}},
		{"targets not a list", "targets: {server: a}\n", []string{"line 1"}},
		{"bad duration", "modules:\n  m:\n    timeout: soon\n", []string{"line 3", "soon"}},
		{"negative duration", "modules:\n  m:\n    max_event_gap: -1s\n", []string{"line 3", "negative"}},
		{"duration not scalar", "modules:\n  m:\n    timeout: [1s]\n", []string{"line 3", "list"}},
		{"bad method", "modules:\n  m:\n    method: PUT\n", []string{"line 2", `"m"`, "PUT"}},
		{"negative min_events", "modules:\n  m:\n    min_events: -2\n", []string{"line 2", "min_events"}},
		{"min_events not int", "modules:\n  m:\n    min_events: many\n", []string{"line 3", "many"}},
		{"fraction above 1", "modules:\n  m:\n    buffering: {max_first_event_fraction: 1.5}\n", []string{"line 2", "1.5"}},
		{"offset above timeout", "modules:\n  m:\n    timeout: 1s\n    timeout_offset: 2s\n", []string{"line 2", "timeout_offset"}},
		{"offset above the default timeout", "modules:\n  m:\n    timeout_offset: 20s\n", []string{"line 2", "timeout_offset 20s", "timeout 10s"}},
		{"bad header name", "modules:\n  m:\n    headers: {'X Bad': v}\n", []string{"line 2", "X Bad"}},
		{"require_done not bool", "modules:\n  m:\n    require_done: maybe\n", []string{"line 3", "maybe"}},
		{"two documents", "targets: []\n---\ntargets: []\n", []string{"line 2", "one YAML document"}},
		{"timeout over the maximum", "modules:\n  m:\n    timeout: 61s\n", []string{"line 2", "1m1s", "maximum"}},
		{"allowed target without port", "modules:\n  m:\n    allowed_targets: [go-http]\n", []string{"line 3", "host:port"}},
		{"allowed target port 0", "modules:\n  m:\n    allowed_targets: ['a:0']\n", []string{"line 3", "port"}},
		{"allowed target port +80", "modules:\n  m:\n    allowed_targets: ['a:+80']\n", []string{"line 3", "port"}},
		{"allowed target URL", "modules:\n  m:\n    allowed_targets: ['http://a:80']\n", []string{"line 3", "host"}},
		{"allowed target user info", "modules:\n  m:\n    allowed_targets: ['u@a:80']\n", []string{"line 3", "host"}},
		{"allowed target empty host", "modules:\n  m:\n    allowed_targets: [':80']\n", []string{"line 3", "empty host"}},
		{"allowed target zone", "modules:\n  m:\n    allowed_targets: ['[fe80::1%eth0]:80']\n", []string{"line 3", "zone"}},
		{"allowed targets not a list", "modules:\n  m:\n    allowed_targets: a:80\n", []string{"line 3"}},
		{"allowed target not scalar", "modules:\n  m:\n    allowed_targets: [{a: 1}]\n", []string{"line 3", "mapping"}},
		{"not YAML", "targets: [\n", []string{"line"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml), "bad.yaml")
			if err == nil {
				t.Fatalf("no error for:\n%s", c.yaml)
			}
			for _, w := range append(c.want, "bad.yaml") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Fatalf("error %v does not name the file", err)
	}
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("targets:\n  - server: a\n    port: 80\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil || len(cfg.Targets) != 1 || cfg.Targets[0].Port != 80 {
		t.Fatalf("%v %+v", err, cfg)
	}
}

func TestParseTargetFlag(t *testing.T) {
	good := map[string]string{
		"go-http:port=8080":        "port",
		"bun:pidfile=/run/b.pid":   "pidfile",
		"x:exe=/usr/bin/x":         "exe",
		"y:comm=y":                 "comm",
		"z:cmdline=serve.*--port=": "cmdline", // '=' inside the value stays in the value
	}
	for s, method := range good {
		tg, err := ParseTargetFlag(s)
		if err != nil || tg.Method() != method {
			t.Errorf("%s: %v, method %q", s, err, tg.Method())
		}
	}
	bad := map[string]string{
		"noseparator":             "NAME:KIND=VALUE",
		"a:port":                  "non-empty VALUE",
		"a:port=":                 "non-empty VALUE",
		"a:port=x":                "not a number",
		"a:port=0":                "not a number",
		"a:port=65536":            "not a number",
		"a:socket=1":              "unknown KIND",
		"a:cmdline=((":            "regular expression",
		":port=80":                "no server name",
		"a:comm=0123456789abcdef": "15 bytes",
	}
	for s, want := range bad {
		if _, err := ParseTargetFlag(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", s, err, want)
		}
	}
}

func TestMergeRejectsDuplicateFlagTarget(t *testing.T) {
	cfg, err := Parse([]byte("targets:\n  - server: a\n    port: 80\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dup, _ := ParseTargetFlag("a:comm=a")
	err = cfg.Merge([]Target{dup})
	if err == nil || !strings.Contains(err.Error(), "twice") || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("merge error %v", err)
	}
}

func TestAllowedTargets(t *testing.T) {
	cfg, err := Parse([]byte("modules:\n  m:\n    allowed_targets: ['Go-HTTP.:8081', '[::ffff:10.0.0.5]:*', '[::1]:8080']\n    timeout: 1m\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := cfg.Module("m")
	for _, c := range []struct {
		host, port string
		want       bool
	}{
		{"go-http", "8081", true}, {"GO-http.", "8081", true}, {"go-http", "8082", false},
		{"10.0.0.5", "1", true}, {"::ffff:10.0.0.5", "65535", true}, {"10.0.0.6", "1", false},
		{"::1", "8080", true}, {"0:0:0:0:0:0:0:1", "8080", true}, {"127.0.0.1", "8080", false},
		{"go-http.evil", "8081", false}, {"", "8081", false},
	} {
		if got := m.Allows(c.host, c.port); got != c.want {
			t.Errorf("Allows(%q, %q) = %v, want %v", c.host, c.port, got, c.want)
		}
	}
	if def := DefaultModule(); len(def.AllowedTargets) != 0 || def.Timeout.D() > MaxProbeTimeout {
		t.Errorf("the built-in module must keep the loopback default and a timeout within the maximum: %+v", def)
	}
}

// A short timeout without an offset gets an offset below it (found by FuzzParse: 100ms
// with the 500ms default offset left no time once Prometheus announced its timeout).
func TestDefaultOffsetStaysBelowTheTimeout(t *testing.T) {
	for _, timeout := range []time.Duration{time.Millisecond, 100 * time.Millisecond, time.Second, 10 * time.Second} {
		m := Module{Timeout: Duration(timeout)}.WithDefaults()
		if m.TimeoutOffset >= m.Timeout || m.TimeoutOffset.D() > DefaultTimeoutOffset {
			t.Errorf("timeout %v: default offset %v", timeout, m.TimeoutOffset.D())
		}
	}
}
