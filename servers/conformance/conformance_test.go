package conformance_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/servers"
)

// TestConformance runs every check against every server of servers.yaml, or of the file
// named by SSEBENCH_SERVERS_FILE (servers.ServersFileEnv; a relative path is taken from the
// repository root), or those of them named in SSEBENCH_SERVERS (comma-separated). Servers
// run one after another: several checks time events, and this machine's cores are shared.
func TestConformance(t *testing.T) {
	if v := os.Getenv("SSEBENCH_REGISTRY"); v != "" {
		t.Fatalf("SSEBENCH_REGISTRY was renamed %s, and a relative path is now taken from the repository root: set %s=%s instead (from the root)",
			servers.ServersFileEnv, servers.ServersFileEnv, v)
	}
	registry := servers.RegistryFile(repoRoot, os.LookupEnv)
	from := "" // names a user's file in errors
	if registry != filepath.Join(repoRoot, servers.RegistryPath) {
		from = " (servers from " + servers.ServersFileEnv + "=" + registry + ")"
		t.Log("servers from", registry)
	}
	list, err := servers.Load(registry)
	if err != nil {
		t.Fatalf("%v%s", err, from)
	}
	var names []string
	if v := os.Getenv("SSEBENCH_SERVERS"); v != "" {
		names = strings.Split(v, ",")
	}
	list, err = servers.Select(list, names)
	if err != nil {
		t.Fatalf("SSEBENCH_SERVERS: %v%s", err, from)
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
