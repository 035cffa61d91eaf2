package runner

import (
	"reflect"
	"testing"

	"github.com/ssebench/ssebench/internal/exporterconfig"
)

// TestExporterConfigIsWhatTheExporterReads: the runner writes the exporter's file from the
// exporter's own types; reading it back with the exporter's loader gives the same targets
// and the same probe module.
func TestExporterConfigIsWhatTheExporterReads(t *testing.T) {
	body, err := exporterConfig(map[string]int{"go-http": 40001, "direct": 40000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := exporterconfig.Parse(body, "runner")
	if err != nil {
		t.Fatalf("the exporter refuses the runner's file: %v\n%s", err, body)
	}
	if len(cfg.Targets) != 2 || cfg.Targets[0].Server != "direct" || cfg.Targets[0].Port != 40000 ||
		cfg.Targets[1].Server != "go-http" || cfg.Targets[1].Port != 40001 {
		t.Errorf("targets %+v", cfg.Targets)
	}
	m, ok := cfg.Module(probeModuleName)
	if !ok {
		t.Fatalf("no %q module in:\n%s", probeModuleName, body)
	}
	if !reflect.DeepEqual(m.Headers, probeModule.Headers) || m.MaxEventGap != probeModule.MaxEventGap ||
		m.MinEvents != probeModule.MinEvents || m.Buffering.MinFirstToLast != probeModule.Buffering.MinFirstToLast {
		t.Errorf("module read back %+v, written %+v", m, probeModule)
	}
}
