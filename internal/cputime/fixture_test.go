package cputime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeTree is a proc and a cgroup root in a temporary directory, like node_exporter's
// fixtures: plain files where the kernel's would be.
type fakeTree struct {
	proc, cgroup string
}

func newFakeTree(t *testing.T) fakeTree {
	root := t.TempDir()
	ft := fakeTree{proc: filepath.Join(root, "proc"), cgroup: filepath.Join(root, "cgroup")}
	for _, d := range []string{ft.proc, ft.cgroup} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return ft
}

func (ft fakeTree) opts() Options { return Options{ProcRoot: ft.proc, CgroupRoot: ft.cgroup} }

// write puts text at rel (under the tree's root, "proc/…" or "cgroup/…").
func (ft fakeTree) write(t *testing.T, rel, text string) {
	t.Helper()
	path := filepath.Join(filepath.Dir(ft.proc), rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The fallback: ticks of utime+stime+cutime+cstime since Attach; a reused or vanished pid
// is an error naming it.
func TestFallbackOnFixture(t *testing.T) {
	ft := newFakeTree(t)
	ft.write(t, "proc/42/stat", statLine("42", "go http (x)", 100, 50, 7, 3, 9000))
	m, err := ft.opts().Attach("go-http", 42)
	if err != nil {
		t.Fatal(err)
	}
	tick := ClockTick()
	if m.Resolution() != tick || m.Source() != "/proc/PID/stat ("+tick.String()+" ticks)" {
		t.Errorf("resolution %v, source %q", m.Resolution(), m.Source())
	}
	ft.write(t, "proc/42/stat", statLine("42", "go http (x)", 130, 60, 17, 3, 9000))
	if got, err := m.Usage(); err != nil || got != 50*tick {
		t.Errorf("usage = %v, %v; want %v", got, err, 50*tick)
	}
	ft.write(t, "proc/42/stat", statLine("42", "other", 1, 1, 0, 0, 9999))
	if _, err := m.Usage(); err == nil || !strings.Contains(err.Error(), "pid 42 is gone") {
		t.Errorf("reused pid: %v", err)
	}
	os.Remove(filepath.Join(ft.proc, "42", "stat"))
	if _, err := m.Usage(); err == nil || !strings.Contains(err.Error(), "pid 42 is gone") {
		t.Errorf("vanished pid: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}
}

func TestAttachErrors(t *testing.T) {
	ft := newFakeTree(t)
	if _, err := ft.opts().Attach("x", 7); err == nil || !strings.Contains(err.Error(), "pid 7") {
		t.Errorf("missing pid: %v", err)
	}
	ft.write(t, "proc/7/stat", statLine("7", "x", 1, 1, 0, 0, 5))
	for _, name := range []string{"", "a/b", ".."} {
		if _, err := ft.opts().Attach(name, 7); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
}

// A cgroup root where mkdir works but no kernel fills the group in — a plain directory —
// is passed over, and nothing of the attempt is left behind.
func TestAttachLeavesNothingWhenGroupIsNotACgroup(t *testing.T) {
	ft := newFakeTree(t)
	ft.write(t, "proc/42/stat", statLine("42", "x", 1, 1, 0, 0, 5))
	ft.write(t, "proc/42/cgroup", "2:cpuacct:/\n0::/\n")
	ft.write(t, "cgroup/cpuacct/cpuacct.usage", "0\n")
	ft.write(t, "cgroup/unified/cgroup.controllers", "\n")
	m, err := ft.opts().Attach("x", 42)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Source(), "/proc/") {
		t.Errorf("source = %q, want the /proc fallback", m.Source())
	}
	for _, d := range []string{"cpuacct/ssebench", "unified/ssebench"} {
		if _, err := os.Stat(filepath.Join(ft.cgroup, d)); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", d, err)
		}
	}
}

func TestOwnGroupCPUOnFixture(t *testing.T) {
	ft := newFakeTree(t)
	// 10: in a v1 cpuacct group made by Attach.
	ft.write(t, "proc/10/cgroup", "3:cpu,cpuacct:/ssebench/go-http-10\n0::/\n")
	ft.write(t, "cgroup/cpuacct/ssebench/go-http-10/cpuacct.usage", "1234567891\n")
	ft.write(t, "cgroup/cpuacct/ssebench/go-http-10/cpuacct.usage_user", "1000000000\n")
	ft.write(t, "cgroup/cpuacct/ssebench/go-http-10/cpuacct.usage_sys", "200000000\n")
	// 20: in a v2 group made under its own.
	ft.write(t, "proc/20/cgroup", "3:cpu,cpuacct:/\n0::/user.slice/ssebench/bun-http-20\n")
	ft.write(t, "cgroup/unified/cgroup.controllers", "\n")
	ft.write(t, "cgroup/unified/user.slice/ssebench/bun-http-20/cpu.stat", "usage_usec 2500001\nuser_usec 2000000\nsystem_usec 500001\n")
	// 30: in groups of someone else's; 40: its group cannot be seen from here.
	ft.write(t, "proc/30/cgroup", "3:cpu,cpuacct:/system.slice/x\n0::/system.slice/x\n")
	ft.write(t, "proc/40/cgroup", "3:cpu,cpuacct:/ssebench/gone-40\n")
	// 45: a group outside this cgroup namespace, as a container sees the host's.
	// Joined to the root it would reach a file outside the cgroup tree; none is read.
	ft.write(t, "proc/45/cgroup", "0::/../../user.slice/ssebench/bun-http-45\n")
	ft.write(t, "user.slice/ssebench/bun-http-45/cpu.stat", "usage_usec 1\n")
	// 50: a group file that is not a number.
	ft.write(t, "proc/50/cgroup", "3:cpu,cpuacct:/ssebench/bad-50\n")
	ft.write(t, "cgroup/cpuacct/ssebench/bad-50/cpuacct.usage", "many\n")

	o := ft.opts()
	got, found, err := o.OwnGroupCPU(10)
	want := GroupCPU{Dir: filepath.Join(ft.cgroup, "cpuacct/ssebench/go-http-10"), Source: SourceCgroupV1,
		Total: 1234567891, User: time.Second, System: 200 * time.Millisecond}
	if !found || err != nil || got != want {
		t.Errorf("v1: %+v, %v, %v; want %+v", got, found, err, want)
	}
	got, found, err = o.OwnGroupCPU(20)
	want = GroupCPU{Dir: filepath.Join(ft.cgroup, "unified/user.slice/ssebench/bun-http-20"), Source: SourceCgroupV2,
		Total: 2500001 * time.Microsecond, User: 2 * time.Second, System: 500001 * time.Microsecond}
	if !found || err != nil || got != want {
		t.Errorf("v2: %+v, %v, %v; want %+v", got, found, err, want)
	}
	for _, pid := range []int{30, 40, 45, 60} {
		if got, found, err := o.OwnGroupCPU(pid); found || err != nil {
			t.Errorf("pid %d: %+v, %v, %v; want not found, no error", pid, got, found, err)
		}
	}
	if _, found, err := o.OwnGroupCPU(50); found || err == nil || !strings.Contains(err.Error(), "bad-50/cpuacct.usage") {
		t.Errorf("pid 50: found %v, err %v; want an error naming the file", found, err)
	}
}
