package conformance_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/exporter/probe"
	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/servers"
)

// TestTheProbeFlagsThePitfallRows probes each optional pitfall row of servers.yaml with
// the exporter's own probe and module (compose/exporter.yml's "stream", the one ssebench run
// uses, with the row's headers): a row documented to buffer the stream must be flagged
// buffered, and a row documented as streaming must not be.
func TestTheProbeFlagsThePitfallRows(t *testing.T) {
	list, err := servers.Load(servers.RegistryFile(repoRoot, os.LookupEnv))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := exporterconfig.Load(filepath.Join(repoRoot, "compose", "exporter.yml"))
	if err != nil {
		t.Fatal(err)
	}
	base, ok := cfg.Module("stream")
	if !ok {
		t.Fatal(`compose/exporter.yml has no module "stream"`)
	}
	ran := 0
	for _, s := range list {
		if !s.Optional || s.Unavailable != "" {
			continue
		}
		ran++
		t.Run(s.Name, func(t *testing.T) {
			buffers := strings.HasPrefix(s.Differences["2_streams"], bufferedCause)
			ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
			defer cancel()
			if err := s.BuildIt(ctx, repoRoot, nil); err != nil {
				t.Fatal(err)
			}
			stub := startStub(t)
			p := startProcess(t, s, stub.URL())
			m := base
			m.Headers = maps.Clone(base.Headers)
			for k := range s.RequestHeaders(stub.URL()) {
				m.Headers[k] = s.RequestHeaders(stub.URL()).Get(k)
			}
			pctx, pcancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer pcancel()
			res := probe.Run(pctx, p.URL()+"/v1/chat/completions", m)
			t.Logf("%s: probe %+v", s.Name, res)
			if got := res.Failed[probe.ReasonBuffered]; got != buffers {
				t.Errorf("probe says buffered=%v (failed: %v, first-to-last %v over %d events), servers.yaml says %v", got, res.Failed, res.FirstToLastEvent, res.Events, buffers)
			}
			if buffers && (!res.Done || res.Events < m.MinEvents) {
				t.Errorf("a buffered stream must still be whole: %d events, [DONE] %v", res.Events, res.Done)
			}
		})
	}
	if ran == 0 && os.Getenv(servers.ServersFileEnv) == "" {
		t.Error("servers.yaml has no optional pitfall row to probe")
	}
}
