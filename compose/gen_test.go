package compose

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/servers"
)

func registry(t *testing.T) (string, []servers.Server) {
	t.Helper()
	root, list, err := servers.LoadRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return root, list
}

// TestGeneratedFilesAreFresh fails when a committed compose file differs from what
// servers/servers.yaml and compose/templates give: run `make generate`.
func TestGeneratedFilesAreFresh(t *testing.T) {
	root, list := registry(t)
	files, err := Generate(root, list)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range files {
		got, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Errorf("%s: %v (run `make generate`)", path, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `make generate` (or go run ./compose/cmd/gen)", path)
		}
	}
	rendered, _ := filepath.Glob(filepath.Join(root, RenderedDir, "*", "*"))
	for _, p := range rendered {
		rel, _ := filepath.Rel(root, p)
		if _, ok := files[filepath.ToSlash(rel)]; !ok {
			t.Errorf("%s belongs to no server any more: run `make generate`", rel)
		}
	}
}

// TestAnEleventhServerReachesEveryFile adds a server of a new runtime to a copy of the
// registry, as a contributor would add one entry, and checks that every generated file
// names it: its service, the k6 runner's dependency and list, the exporter's target and
// allowed probe target, and Prometheus's probe target.
func TestAnEleventhServerReachesEveryFile(t *testing.T) {
	root, list := registry(t)
	fake := servers.Server{Name: "zig-fake", Runtime: "Zig", Framework: "std.http", Color: "#123456", Kind: servers.KindProcess,
		Build: "true", Command: []string{"servers/zig-fake/zig-out/bin/zig-fake"}, Health: "/ready",
		Headers: map[string]string{"X-Route": "${STUB_URL}/v1"},
		Compose: servers.Compose{Build: "servers/zig-fake", Cmdline: "^/zig-fake$", Healthcheck: "wget"}}
	svcs := Services(append(list, fake))
	port := svcs[len(svcs)-1].Port
	files, err := Generate(root, append(list, fake))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"compose.yaml": {"  zig-fake:\n    <<: *server\n    build: servers/zig-fake\n", `PORT: "` + itoa(port) + `"`,
			"zig-fake: { condition: service_healthy }", "http://127.0.0.1:$$PORT/ready"},
		"compose/exporter.yml":               {"server: zig-fake\n    cmdline: '^/zig-fake$'", "- zig-fake:" + itoa(port)},
		"prometheus/compose/prometheus.yml":  {`server: zig-fake, __param_target: "http://zig-fake:` + itoa(port) + `/v1/chat/completions"`},
		"prometheus/compose/server-info.yml": {`server: "zig-fake", runtime: "Zig", framework: "std.http"`},
		"compose/run-k6.sh":                  {" zig-fake:" + itoa(port) + `"`, `zig-fake) echo "X-Route: http://stub:18080/v1" ;;`, `zig-fake) echo "/ready" ;;`},
	}
	for path, subs := range want {
		for _, s := range subs {
			if !strings.Contains(string(files[path]), s) {
				t.Errorf("%s does not have the eleventh server's %q", path, s)
			}
		}
	}
}

// TestPitfallsAndExternalGatewaysStayOutOfCompose: an optional row and a user's external
// gateway are not compose services.
func TestPitfallsAndExternalGatewaysStayOutOfCompose(t *testing.T) {
	list := []servers.Server{
		{Name: "a", Compose: servers.Compose{Build: "servers/a", Cmdline: "^a$"}},
		{Name: "pitfall", Optional: true},
		{Name: "mine", Kind: servers.KindExternal, URL: "http://127.0.0.1:9999"},
		{Name: "gone", Unavailable: "no toolchain"},
		{Name: "b", Compose: servers.Compose{Image: "b:1", Cmdline: "^b$"}},
	}
	svcs := Services(list)
	if len(svcs) != 2 || svcs[0].Name != "a" || svcs[1].Name != "b" || svcs[1].Port != FirstPort+1 {
		t.Fatalf("services %+v, want a:%d and b:%d", svcs, FirstPort, FirstPort+1)
	}
}

func TestAServiceWithoutComposeDetailsIsAnError(t *testing.T) {
	_, err := Generate(t.TempDir(), []servers.Server{{Name: "x", Compose: servers.Compose{Build: "servers/x"}}})
	if err == nil || !strings.Contains(err.Error(), "x: its compose block needs cmdline") {
		t.Fatalf("error %v, want one naming x's missing cmdline", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
