package composecheck

import (
	"net"
	"net/netip"
	"net/url"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/ssebench/ssebench/internal/exporterconfig"
)

// checkProbesAllowed: the exporter listens on the compose network, so its
// modules get no loopback default, and every sse-probe target Prometheus asks
// for must be in the stream module's allowed_targets (else /probe answers 400).
func checkProbesAllowed(t *testing.T, p *types.Project, groups []staticConfig) {
	t.Helper()
	exp := service(t, p, "exporter")
	listen := envValue(exp, "SSEBENCH_EXPORTER_WEB_LISTEN_ADDRESS")
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		t.Fatalf("exporter listen address %q: %v", listen, err)
	}
	loopback := false
	if a, err := netip.ParseAddr(host); err == nil && a.IsLoopback() {
		loopback = true
	}
	file, ok := HostPath(exp, envValue(exp, "SSEBENCH_EXPORTER_CONFIG_FILE"))
	if !ok {
		t.Fatal("the exporter's config file is not mounted")
	}
	cfg, err := exporterconfig.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := cfg.Module("stream")
	if !ok {
		t.Fatal(`no module "stream"`)
	}
	if len(m.AllowedTargets) == 0 {
		t.Errorf("module stream has no allowed_targets: the exporter on %s would refuse every server", listen)
	}
	for _, g := range groups {
		u, err := url.Parse(g.Labels["__param_target"])
		if err != nil {
			t.Errorf("%s: %v", g.Labels["__param_target"], err)
			continue
		}
		if err := m.CheckTarget(u, "stream", loopback); err != nil {
			t.Errorf("the exporter would refuse Prometheus' probe of %s: %v", g.Labels["server"], err)
		}
	}
}
