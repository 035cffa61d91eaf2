package runner

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/benchtest"
	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/servers"
	"github.com/ssebench/ssebench/internal/stubrun"
)

// TestAnExternalGatewayRunsEndToEnd is a user's own gateway, already running: go-http in
// front of a stub of its own, both started outside the runner. A servers file of one entry
// (kind: external, its URL) is all the runner gets; the run measures its latency through
// the catalog and says its CPU and memory are not measured.
func TestAnExternalGatewayRunsEndToEnd(t *testing.T) {
	root := benchtest.RequireBuilt(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stub, err := stubrun.Start(ctx, filepath.Join(root, "bin", "stub"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stub.Stop(context.Background())
	_, registry, err := servers.LoadRegistry()
	if err != nil {
		t.Fatal(err)
	}
	gwServer, err := servers.Select(registry, []string{"go-http"})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := servers.Start(ctx, root, gwServer[0], servers.StartOptions{StubURL: stub.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Stop(context.Background())

	file := writeServersFile(t, fmt.Sprintf("  - name: my-gateway\n    runtime: Go\n    framework: mine\n    kind: external\n    url: %s\n", gw.URL()))
	out := quickRun(t, Config{Root: root, ServersFile: file, Scenarios: []string{"baseline"}})
	row, ok := out.Table.Find("my-gateway", "baseline")
	if !ok {
		t.Fatalf("no row for the external gateway: %+v", out.Table.Rows)
	}
	if rps := row.Value(catalog.ResultsReqPerSecond); !(rps > 10) {
		t.Errorf("external gateway req/s = %v, want its streams measured", rps)
	}
	if cpu := row.Value(catalog.ResultsCPUPercent); !math.IsNaN(cpu) {
		t.Errorf("external gateway CPU = %v, want none: it is not a process of the run", cpu)
	}
	var text bytes.Buffer
	if err := WriteOutcome(&text, out, Config{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "my-gateway runs outside ssebench (kind: external): its latency is measured, its CPU and memory are not measured") {
		t.Errorf("the output does not say what was not measured:\n%s", text.String())
	}
}
