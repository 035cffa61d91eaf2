package conformance_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/servers"
)

// TestConformance runs every check against every server of servers.yaml, or those named
// in SSEBENCH_SERVERS (comma-separated). SSEBENCH_REGISTRY names another registry file,
// for trying a server before it is listed. Servers run one after another: several checks
// time events, and this machine's cores are shared.
func TestConformance(t *testing.T) {
	registry := filepath.Join(repoRoot, servers.RegistryPath)
	if v := os.Getenv("SSEBENCH_REGISTRY"); v != "" {
		registry = v
	}
	list, err := servers.Load(registry)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if v := os.Getenv("SSEBENCH_SERVERS"); v != "" {
		names = strings.Split(v, ",")
	}
	list, err = servers.Select(list, names)
	if err != nil {
		t.Fatalf("SSEBENCH_SERVERS: %v", err)
	}
	for _, s := range list {
		t.Run(s.Name, func(t *testing.T) {
			if s.Unavailable != "" {
				t.Skip("unavailable: " + s.Unavailable)
			}
			f := newFixture(t, s)
			t.Run("1_byte_identical", f.checkByteIdentical)
			t.Run("2_streams", f.checkStreams)
			t.Run("3_keepalive_no_nagle", f.checkKeepAliveGaps)
			t.Run("4_concurrent_200", f.checkConcurrent)
			t.Run("5_upstream_down_502", f.checkUpstreamDown)
			t.Run("5_upstream_abort", f.checkUpstreamAbort)
			t.Run("5_client_disconnect", f.checkClientDisconnect)
			t.Run("5_client_leaves_during_stall", f.checkClientLeavesDuringStall)
			t.Run("6_fds_return_to_idle", f.checkFDs)
			t.Run("8_limits", f.checkLimits)          // before 7: it needs the server running
			t.Run("7_sigterm_drains", f.checkSIGTERM) // last: it stops the server
		})
	}
}
