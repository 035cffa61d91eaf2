package discovery

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeProc writes a one-process proc tree; startTicks and comm are what identity and
// matching read.
func fakeProc(t *testing.T, root string, pid int, comm string, startTicks uint64) {
	t.Helper()
	dir := filepath.Join(root, fmt.Sprint(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	stat := fmt.Sprintf("%d (%s) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 %d 1000 10 0\n", pid, comm, startTicks)
	if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "comm"), []byte(comm+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The kernel hands a dead server's PID to another process: the tracker must not take the
// newcomer for the server.
func TestPIDReuseByAnotherProgram(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 500, "server", 1000)
	f, err := NewFinder(root)
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTracker(target(t, "s:comm=server"))
	if st, err := tr.Resolve(f); err != nil || st.ID != (Identity{PID: 500, StartTicks: 1000}) {
		t.Fatalf("first: %+v %v", st, err)
	}
	fakeProc(t, root, 500, "cron", 2000) // same PID, another program, started later
	st, err := tr.Resolve(f)
	if err != nil || st.ID.Valid() || st.Restarts != 0 {
		t.Fatalf("after reuse: want the server missing, got %+v %v", st, err)
	}
}

// The server restarts and happens to get its old PID back: the start time tells.
func TestPIDReuseByRestartedServer(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 600, "server", 1000)
	f, err := NewFinder(root)
	if err != nil {
		t.Fatal(err)
	}
	pidfile := filepath.Join(root, "server.pid")
	writePidfile(t, pidfile, 600)
	for _, flag := range []string{"s:comm=server", "s:pidfile=" + pidfile} {
		fakeProc(t, root, 600, "server", 1000)
		tr := NewTracker(target(t, flag))
		if _, err := tr.Resolve(f); err != nil {
			t.Fatal(err)
		}
		fakeProc(t, root, 600, "server", 3000)
		st, err := tr.Resolve(f)
		if err != nil || st.ID != (Identity{PID: 600, StartTicks: 3000}) || st.Restarts != 1 {
			t.Fatalf("%s: want the new incarnation with one restart, got %+v %v", flag, st, err)
		}
	}
}

func TestZombieIsNotAMatch(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 700, "server", 1000)
	stat := "700 (server) Z 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 1000 0 0 0\n"
	if err := os.WriteFile(filepath.Join(root, "700", "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _ := NewFinder(root)
	if id, err := f.Find(target(t, "s:comm=server")); err == nil {
		t.Fatalf("zombie found: %v", id)
	}
}

func TestBadPidfile(t *testing.T) {
	root := t.TempDir()
	f, _ := NewFinder(root)
	path := filepath.Join(root, "bad.pid")
	if err := os.WriteFile(path, []byte("not-a-pid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewTracker(target(t, "s:pidfile="+path)).Resolve(f)
	if err == nil {
		t.Fatal("a pidfile without a PID must be an error")
	}
}

// The command name may hold spaces and parentheses; fields are counted from the last ')'.
func TestStatWithAwkwardCommandName(t *testing.T) {
	root := t.TempDir()
	fakeProc(t, root, 800, "a) (b", 4242)
	id, err := identityOf(root, 800)
	if err != nil || id.StartTicks != 4242 {
		t.Fatalf("%+v %v", id, err)
	}
}

// reuseFixture rewrites pid's stat and comm (fakeProc), its cmdline and its exe link:
// one process incarnation as the exe and cmdline matchers see it.
func reuseFixture(t *testing.T, root string, pid int, comm, exe string, args []string, startTicks uint64) {
	t.Helper()
	fakeProc(t, root, pid, comm, startTicks)
	dir := filepath.Join(root, fmt.Sprint(pid))
	cmdline := strings.Join(args, "\x00") + "\x00"
	if err := os.WriteFile(filepath.Join(dir, "cmdline"), []byte(cmdline), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "exe")
	_ = os.Remove(link)
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
}

// A PID that judged "not the target" is handed to the target's process — same command
// name, as both Bun servers are `bun` — while the target is missing: the memo must not
// answer for the new process with the old one's verdict.
func TestVerdictMemoForgetsAReusedPID(t *testing.T) {
	cases := []struct {
		name, flag       string
		oldExe, newExe   string
		oldArgs, newArgs []string
	}{
		{"cmdline", `bun-hono:cmdline=bun-hono/server\.ts`,
			"/usr/bin/bun", "/usr/bin/bun",
			[]string{"bun", "bun-http/server.ts"}, []string{"bun", "bun-hono/server.ts"}},
		{"exe", "rust:exe=/opt/new/server",
			"/opt/old/server", "/opt/new/server",
			[]string{"server"}, []string{"server"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			comm := filepath.Base(tc.oldArgs[0])
			reuseFixture(t, root, 900, comm, tc.oldExe, tc.oldArgs, 1000)
			f, err := NewFinder(root)
			if err != nil {
				t.Fatal(err)
			}
			tr := NewTracker(target(t, tc.flag))
			if st, err := tr.Resolve(f); err != nil || st.ID.Valid() {
				t.Fatalf("the other program was taken for the target: %+v %v", st, err)
			}
			reuseFixture(t, root, 900, comm, tc.newExe, tc.newArgs, 2000) // same PID, same comm, started later
			st, err := tr.Resolve(f)
			if err != nil || st.ID != (Identity{PID: 900, StartTicks: 2000}) {
				t.Fatalf("after PID reuse by the target: got %+v %v, want pid 900 started at 2000", st, err)
			}
		})
	}
}

// The same incarnation execs another program (same PID and start time, new command
// name): it is judged again too.
func TestVerdictMemoRejudgesAnExec(t *testing.T) {
	root := t.TempDir()
	reuseFixture(t, root, 910, "sh", "/bin/sh", []string{"sh", "-c", "exec server"}, 1000)
	f, _ := NewFinder(root)
	tr := NewTracker(target(t, `s:cmdline=^server$`))
	if st, _ := tr.Resolve(f); st.ID.Valid() {
		t.Fatalf("sh taken for the server: %+v", st)
	}
	reuseFixture(t, root, 910, "server", "/usr/bin/server", []string{"server"}, 1000)
	if st, err := tr.Resolve(f); err != nil || st.ID != (Identity{PID: 910, StartTicks: 1000}) {
		t.Fatalf("after exec: %+v %v", st, err)
	}
}
