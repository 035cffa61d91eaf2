package exporterconfig

import (
	"testing"
)

// FuzzParse: any bytes either load into a configuration that keeps every rule the
// loader promises, or fail with an error naming the source; never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte("targets:\n  - server: go-http\n    port: 8080\n  - server: b\n    cmdline: 'bun-hono/server\\.ts'\nmodules:\n  m:\n    allowed_targets: ['go-http:8080', '[::1]:*']\n    body: '{}'\n    headers: {X-Stub-Tokens: \"5\"}\n    timeout: 5s\n    timeout_offset: 250ms\n    buffering: {min_first_to_last: 40ms, max_first_event_fraction: 0.6}\n"))
	f.Add([]byte("modules:\n  m:\n    timeout: 61s\n"))
	f.Add([]byte("modules:\n  m:\n    allowed_targets: ['[fe80::1%eth0]:80', 'a:+80', ':1']\n"))
	f.Add([]byte("targets:\n  - server: a\n    port: 1\n    comm: x\n"))
	f.Add([]byte("targets: [\n"))
	f.Add([]byte("targets: []\n---\ntargets: []\n"))
	f.Add([]byte("modules: {m: {allowed_targets: [*a], x: &a 'h:1'}}\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if cfg != nil {
				t.Fatalf("an error with a configuration: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, tg := range cfg.Targets {
			if tg.Method() == "" || seen[tg.Server] {
				t.Fatalf("target %+v accepted without one rule, or twice", tg)
			}
			seen[tg.Server] = true
			if tg.Port < 0 || tg.Port > maxPort {
				t.Fatalf("port %d accepted", tg.Port)
			}
		}
		for name, m := range cfg.Modules {
			if m.Timeout.D() > MaxProbeTimeout || m.MinEvents < 0 {
				t.Fatalf("module %q accepted with timeout %v, min_events %d", name, m.Timeout.D(), m.MinEvents)
			}
			if d := m.WithDefaults(); d.TimeoutOffset >= d.Timeout || d.Timeout.D() > MaxProbeTimeout {
				t.Fatalf("module %q: offset %v not below timeout %v", name, d.TimeoutOffset.D(), d.Timeout.D())
			}
			for _, a := range m.AllowedTargets {
				again, err := ParseHostPort(a.String())
				if err != nil || again != a {
					t.Fatalf("allowed target %+v does not round-trip: %+v %v", a, again, err)
				}
				if !a.Matches(a.Host, portOr(a.Port)) {
					t.Fatalf("allowed target %+v does not match itself", a)
				}
			}
		}
	})
}

func portOr(p string) string {
	if p == AnyPort {
		return "1"
	}
	return p
}
