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
}
