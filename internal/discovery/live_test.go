package discovery

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/testchild"
)

func procFinder(t *testing.T) *Finder {
	t.Helper()
	f, err := NewFinder("/proc")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func target(t *testing.T, flag string) exporterconfig.Target {
	t.Helper()
	tg, err := exporterconfig.ParseTargetFlag(flag)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func writePidfile(t *testing.T, path string, pid int) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Every discovery method finds the same real child process.
func TestFindLiveChildByEveryMethod(t *testing.T) {
	tag := fmt.Sprintf("every-method-%d", os.Getpid())
	child := testchild.Start(t, "listen", tag, "x")
	pidfile := filepath.Join(t.TempDir(), "child.pid")
	writePidfile(t, pidfile, child.PID)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f := procFinder(t)
	for _, flag := range []string{
		"c:pidfile=" + pidfile,
		"c:port=" + strconv.Itoa(child.Port(t)),
		"c:cmdline=-ssebench.tag=" + regexp.QuoteMeta(tag) + " ",
		"c:exe=" + exe, // the test process has the same exe but never finds itself
	} {
		id, err := f.Find(target(t, flag))
		if err != nil {
			t.Errorf("%s: %v", flag, err)
			continue
		}
		if id.PID != child.PID {
			t.Errorf("%s found pid %d, want the child %d", flag, id.PID, child.PID)
		}
	}
	ports, err := f.ListeningPorts(Identity{PID: child.PID})
	if err != nil || len(ports) != 1 || ports[0] != child.Port(t) {
		t.Errorf("listening ports %v (%v), want [%d]", ports, err, child.Port(t))
	}
}

// A restarted server gets a new identity, and the tracker counts the change once.
func TestTrackerCountsRestart(t *testing.T) {
	tag := fmt.Sprintf("restart-%d", os.Getpid())
	pidfile := filepath.Join(t.TempDir(), "server.pid")
	f := procFinder(t)
	for _, flag := range []string{"s:pidfile=" + pidfile, "s:cmdline=-ssebench.tag=" + tag + " "} {
		first := testchild.Start(t, "sleep", tag, "x")
		writePidfile(t, pidfile, first.PID)
		tr := NewTracker(target(t, flag))
		st, err := tr.Resolve(f)
		if err != nil || st.ID.PID != first.PID || st.Restarts != 0 {
			t.Fatalf("%s first: %+v %v", flag, st, err)
		}
		first.Stop()
		st, err = tr.Resolve(f)
		if err != nil || st.ID.Valid() {
			t.Fatalf("%s after stop: want no process, got %+v %v", flag, st, err)
		}
		second := testchild.Start(t, "sleep", tag, "x")
		writePidfile(t, pidfile, second.PID)
		st, err = tr.Resolve(f)
		if err != nil || st.ID.PID != second.PID || st.Restarts != 1 {
			t.Fatalf("%s after restart: want pid %d with 1 restart, got %+v %v", flag, second.PID, st, err)
		}
		if again, _ := tr.Resolve(f); again.Restarts != 1 || again.ID != st.ID {
			t.Fatalf("%s: a steady process must not count as a restart: %+v", flag, again)
		}
		second.Stop()
	}
}

func TestMissingProcessIsNotAnError(t *testing.T) {
	f := procFinder(t)
	for _, flag := range []string{
		"m:comm=no-such-comm",
		"m:pidfile=" + filepath.Join(t.TempDir(), "absent.pid"),
		"m:cmdline=^no such command line$",
		"m:exe=/no/such/exe",
		"m:port=1", // nothing listens on tcpmux here
	} {
		st, err := NewTracker(target(t, flag)).Resolve(f)
		if err != nil || st.ID.Valid() {
			t.Errorf("%s: want no process and no error, got %+v %v", flag, st, err)
		}
	}
}

// A listener the exporter cannot attribute (here its own socket: the exporter is never its
// own target) is not found, and is remembered so that later scrapes skip the costly fd scan.
func TestUnattributableListenerIsRemembered(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	f := procFinder(t)
	if id, err := f.Find(target(t, "self:port="+strconv.Itoa(port))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("found %v, %v: the exporter's own socket must not be a target", id, err)
	}
	inodes, err := f.portListeners(port)
	if err != nil || len(inodes) != 1 {
		t.Fatalf("listeners on %d: %v %v", port, inodes, err)
	}
	if !f.allUnowned(inodes) {
		t.Error("the unattributable listener was not remembered")
	}
}
