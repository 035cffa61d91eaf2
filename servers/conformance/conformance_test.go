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
// repository root), or those of them named in SSEBENCH_SERVERS (comma-separated). The
// checks that time events (1 to 6) run one server after another, alone on the machine; the
// limit checks and the drain, which mostly wait, then run for every server at once.
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
	if len(names) == 0 {
		// Every row, the optional pitfall rows too: the suite checks they fail as documented.
		for _, s := range list {
			names = append(names, s.Name)
		}
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
			checks := allChecks
			if s.Optional {
				// A default-config pitfall row: only the streaming checks, which it is
				// there to fail (its differences say how).
				checks = streamingChecks
			}
			for _, c := range checks {
				f.runCheck(t, c.id, false, func(t testing.TB) { c.run(f, t) })
			}
			if !s.Optional {
				// The rest mostly waits (timers of 10 to 72 seconds) and times nothing
				// finer than a second: it runs side by side with the other servers' once
				// every server has had its timed checks above on a quiet machine. Go
				// resumes parallel subtests after the last server's sequential part.
				t.Parallel()
				// Before 7: they need the server running. Side by side: one after another
				// they would add two minutes per server.
				t.Run("8_limits", func(t *testing.T) {
					for _, c := range limitChecks {
						f.runCheck(t, c.id, true, func(t testing.TB) { c.run(f, t) })
					}
				})
				f.runCheck(t, "7_sigterm_drains", false, f.checkSIGTERM) // last: it stops the server
			}
		})
	}
}

// check is one conformance check: id is its name in reports and in servers.yaml's differences.
type check struct {
	id  string
	run func(*fixture, testing.TB)
}

// streamingChecks are what a proxy is first for: the bytes, the rhythm, no Nagle stall.
var streamingChecks = []check{
	{"1_byte_identical", (*fixture).checkByteIdentical},
	{"2_streams", (*fixture).checkStreams},
	{"3_keepalive_no_nagle", (*fixture).checkKeepAliveGaps},
}

var allChecks = append(append([]check(nil), streamingChecks...),
	check{"4_concurrent_200", (*fixture).checkConcurrent},
	check{"5_upstream_down_502", (*fixture).checkUpstreamDown},
	check{"5_upstream_abort", (*fixture).checkUpstreamAbort},
	check{"5_client_disconnect", (*fixture).checkClientDisconnect},
	check{"5_client_leaves_during_stall", (*fixture).checkClientLeavesDuringStall},
	check{"6_fds_return_to_idle", (*fixture).checkFDs},
)

// limitChecks are servers/README.md's limits, run side by side under 8_limits.
var limitChecks = []check{
	{"8_limits/slow_header", (*fixture).checkSlowHeader},
	{"8_limits/slow_body", (*fixture).checkSlowBody},
	{"8_limits/idle_keepalive", (*fixture).checkIdleKeepAlive},
	{"8_limits/long_stream", (*fixture).checkLongStream},
	{"8_limits/oversized_header", (*fixture).checkOversizedHeader},
	{"8_limits/oversized_body", (*fixture).checkOversizedBody},
}
