package cputime

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// membershipLine is pid's path in the hierarchy source uses.
func membershipLine(t *testing.T, pid int, source string) string {
	t.Helper()
	m, err := readMembership("/proc", pid)
	if err != nil {
		t.Fatal(err)
	}
	if source == SourceCgroupV1 {
		return m.V1["cpuacct"]
	}
	return m.V2
}

// Close moves the process, and any child it started in the group, back where it was and
// removes the group; a second Close does nothing.
func TestCloseMovesBackAndRemovesGroup(t *testing.T) {
	const script = `read go
sleep 60 &
echo started
read eof
kill $!`
	for _, c := range meterCases(t) {
		if !strings.HasPrefix(c.source, "cgroup") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			c.skipIfUnavailable(t)
			ch := startChild(t, exec.Command("sh", "-c", script))
			home := membershipLine(t, ch.pid, c.source)
			m := c.attach(t, "test-close", ch.pid)
			dir := m.src.(*cgroupSource).dir
			in := membershipLine(t, ch.pid, c.source)
			if want := "/" + groupParent + "/" + groupName("test-close", ch.pid); !strings.HasSuffix(in, want) {
				t.Fatalf("after Attach pid %d is in %q, want …%s", ch.pid, in, want)
			}
			ch.send(t, "go")
			ch.waitLine(t, "started")
			procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(strings.Fields(string(procs))); n != 2 {
				t.Fatalf("group holds %d processes (%q), want the shell and its sleep", n, procs)
			}

			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("group %s still there after Close: %v", dir, err)
			}
			if back := membershipLine(t, ch.pid, c.source); back != home {
				t.Errorf("after Close pid %d is in %q, want %q", ch.pid, back, home)
			}
			if err := m.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if _, err := m.Usage(); err == nil {
				t.Error("Usage after Close succeeded")
			}
		})
	}
}
