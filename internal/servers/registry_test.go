package servers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadTheRealRegistry(t *testing.T) {
	root, list, err := LoadRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("root %s has no go.mod: %v", root, err)
	}
	byName := map[string]Server{}
	for _, s := range list {
		byName[s.Name] = s
	}
	gh, ok := byName["go-http"]
	if !ok || gh.Build == "" || len(gh.Command) == 0 || gh.Runtime != "Go" {
		t.Fatalf("go-http entry wrong: %+v", gh)
	}
	if len(list) < 3 {
		t.Fatalf("only %d servers", len(list))
	}
}

func TestParseRejectsBadRegistries(t *testing.T) {
	const ok = "  - name: a\n    runtime: Go\n    framework: x\n    build: true\n    command: [bin/a]\n"
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown field", "servers:\n" + ok + "    buld: x\n", "line 7: field buld not found"},
		{"unknown top-level field", "server:\n" + ok, "field server not found"},
		{"duplicate name", "servers:\n" + ok + ok, `f.yaml:7: field name: "a" is already used on line 2`},
		{"bad name", "servers:\n  - name: Go_HTTP\n    runtime: Go\n    framework: x\n    unavailable: no\n", `f.yaml:2: server 1 ("Go_HTTP"): field name: "Go_HTTP" must match`},
		{"missing name", "servers:\n  - runtime: Go\n    framework: x\n    unavailable: no\n", "field name: missing"},
		{"no command", "servers:\n  - name: a\n    runtime: Go\n    framework: x\n    build: make\n", "field command: missing"},
		{"no build", "servers:\n  - name: a\n    runtime: Go\n    framework: x\n    command: [x]\n", "field build: missing"},
		{"both", "servers:\n" + ok + "    unavailable: why\n", "field unavailable: set together with build/command"},
		{"missing framework", "servers:\n  - name: a\n    runtime: Go\n    unavailable: no\n", "field framework: missing"},
		{"empty", "servers: []\n", "no servers listed"},
		{"bad color", "servers:\n" + ok + "    color: blue\n", "field color: \"blue\" must be #rrggbb"},
		{"same color twice", "servers:\n" + ok + "    color: \"#112233\"\n  - name: b\n    runtime: Go\n    framework: x\n    build: true\n    command: [b]\n    color: \"#112233\"\n",
			"f.yaml:8: field color: #112233 is already a's"},
		{"bad kind", "servers:\n" + ok + "    kind: docker\n", `field kind: "docker" must be process or external`},
		{"external without url", "servers:\n  - name: gw\n    runtime: Go\n    framework: x\n    kind: external\n", "field url: missing"},
		{"external with a path", "servers:\n  - name: gw\n    runtime: Go\n    framework: x\n    kind: external\n    url: http://127.0.0.1:8080/v1\n", "must have no path"},
		{"external with a command", "servers:\n  - name: gw\n    runtime: Go\n    framework: x\n    kind: external\n    url: http://127.0.0.1:8080\n    command: [x]\n", "not built or started"},
		{"url on a process", "servers:\n" + ok + "    url: http://127.0.0.1:1\n", "field url: only for kind: external"},
		{"unknown variable", "servers:\n" + ok + "    headers: {x-host: \"${STUB}/v1\"}\n", "field headers.x-host: ${STUB} is not one of PORT, HOST, STUB_URL"},
		{"bad stop signal", "servers:\n" + ok + "    stop_signal: STOP\n", `field stop_signal: "STOP" is not one of`},
		{"bad health", "servers:\n" + ok + "    health: healthz\n", `field health: "healthz" must be a path`},
		{"wrong type", "servers:\n  - name: a\n    runtime: Go\n    framework: x\n    build: true\n    command: bin/a\n", "line 6: cannot unmarshal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse("f.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("no error for:\n%s", c.yaml)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestParseAcceptsUnavailable(t *testing.T) {
	list, err := parse("f.yaml", []byte("servers:\n  - name: rust-x\n    runtime: Rust\n    framework: x 1\n    unavailable: no registry\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Unavailable != "no registry" || list[0].Name != "rust-x" {
		t.Fatalf("got %+v", list)
	}
}

func TestSelect(t *testing.T) {
	list := []Server{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	got, err := Select(list, []string{"c", " a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
		t.Fatalf("got %+v, want a, c in registry order", got)
	}
	if _, err := Select(list, []string{"a", "zz"}); err == nil || !strings.Contains(err.Error(), "zz") {
		t.Fatalf("unknown name not reported: %v", err)
	}
	if all, _ := Select(list, nil); len(all) != 3 {
		t.Fatalf("empty selection kept %d", len(all))
	}
	withPitfall := append(list, Server{Name: "pitfall", Optional: true})
	if all, _ := Select(withPitfall, nil); len(all) != 3 {
		t.Fatalf("empty selection kept the optional row: %+v", all)
	}
	if got, _ := Select(withPitfall, []string{"pitfall"}); len(got) != 1 || got[0].Name != "pitfall" {
		t.Fatalf("the optional row named was not selected: %+v", got)
	}
}

// TestLoadNamesTheFileAndTheLine loads real files, as a user's SSEBENCH_SERVERS_FILE is
// loaded, and checks each mistake is reported with the file's path and the line to fix:
// the unknown key's own line, the line of the entry without a command, and for a duplicate
// name the second entry's line and the first one's.
func TestLoadNamesTheFileAndTheLine(t *testing.T) {
	// head is lines 1-2, first lines 3-7.
	const head = "# my gateways\nservers:\n"
	const first = "  - name: gw\n    runtime: Go\n    framework: net/http\n    build: true\n    command: [/opt/gw]\n"
	cases := []struct {
		name, yaml string
		want       []string // each must be in the error
	}{
		{"unknown key", head + first + "  - name: gw2\n    runtime: Go\n    framework: x\n    build: true\n    comand: [/opt/gw2]\n",
			[]string{"line 12: field comand not found"}},
		{"duplicate name", head + first + "\n  - name: gw\n    runtime: Rust\n    framework: y\n    build: true\n    command: [/opt/gw-rs]\n",
			[]string{`:9: field name: "gw" is already used on line 3`}},
		{"missing command", head + first + "  - name: gw2\n    runtime: Go\n    framework: x\n    build: make gw2\n",
			[]string{`:8: server 2 ("gw2"): field command: missing`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "my-servers.yaml")
			if err := os.WriteFile(path, []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatalf("no error for:\n%s", c.yaml)
			}
			if !strings.HasPrefix(err.Error(), path) {
				t.Errorf("error %q does not start with the file %s", err, path)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	t.Run("no such file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "absent.yaml")
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("error %v does not name %s", err, path)
		}
	})
}

func TestRegistryFile(t *testing.T) {
	root := filepath.FromSlash("/repo")
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	cases := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"unset", nil, "/repo/servers/servers.yaml"},
		{"empty", map[string]string{ServersFileEnv: ""}, "/repo/servers/servers.yaml"},
		{"absolute", map[string]string{ServersFileEnv: "/home/me/gw.yaml"}, "/home/me/gw.yaml"},
		{"absolute, cleaned", map[string]string{ServersFileEnv: "/home/me/../me/./gw.yaml"}, "/home/me/gw.yaml"},
		{"relative to the root", map[string]string{ServersFileEnv: "my.yaml"}, "/repo/my.yaml"},
		{"relative with dots", map[string]string{ServersFileEnv: "./conf/../my.yaml"}, "/repo/my.yaml"},
		{"outside the root", map[string]string{ServersFileEnv: "../other/gw.yaml"}, "/other/gw.yaml"},
		{"another variable is not read", map[string]string{"SSEBENCH_REGISTRY": "x.yaml"}, "/repo/servers/servers.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RegistryFile(root, env(c.vars)); got != filepath.FromSlash(c.want) {
				t.Fatalf("RegistryFile = %q, want %q", got, c.want)
			}
		})
	}
}

// TestRegistryFileLoads points the variable at a file of one's own, relative to the root,
// and loads it.
func TestRegistryFileLoads(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	yaml := "servers:\n  - name: my-gateway\n    runtime: Go\n    framework: mine\n    build: true\n    command: [/usr/local/bin/my-gateway, --flag]\n"
	if err := os.WriteFile(filepath.Join(root, "conf", "gw.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	path := RegistryFile(root, func(k string) (string, bool) { return "conf/gw.yaml", k == ServersFileEnv })
	list, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "my-gateway" || len(list[0].Command) != 2 {
		t.Fatalf("loaded %+v from %s", list, path)
	}
}

func TestParseAcceptsAnExternalGateway(t *testing.T) {
	list, err := parse("f.yaml", []byte("servers:\n  - name: my-gw\n    runtime: Go\n    framework: mine\n    kind: external\n    url: http://127.0.0.1:8080/\n    health: /ready\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].External() || list[0].URL != "http://127.0.0.1:8080" || list[0].HealthPath() != "/ready" {
		t.Fatalf("got %+v", list)
	}
}
