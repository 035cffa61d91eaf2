package proc

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the child: with childModeEnv set it runs as the child mode
// named there instead of the tests.
const childModeEnv = "SSEBENCH_PROC_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childModeEnv); mode != "" {
		os.Exit(child(mode))
	}
	os.Exit(m.Run())
}

// child modes: "serve" answers /ready on $CHILD_ADDR and exits 0 on SIGTERM;
// "ignore-term" serves but ignores SIGTERM; "die" fails like a taken port; "silent" never
// listens; "spawn" starts a silent grandchild, writes its PID to $CHILD_PIDFILE and waits.
func child(mode string) int {
	switch mode {
	case "die":
		fmt.Fprintln(os.Stderr, "listen tcp: address already in use")
		return 3
	case "silent":
		fmt.Fprintln(os.Stderr, "warming up the cache")
		select {}
	case "spawn":
		return spawnGrandchild()
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	l, err := net.Listen("tcp", os.Getenv("CHILD_ADDR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	for range sigs {
		if mode != "ignore-term" {
			return 0
		}
	}
	return 0
}

func spawnGrandchild() int {
	exe, _ := os.Executable()
	gc := exec.Command(exe)
	gc.Env = append(os.Environ(), childModeEnv+"=silent")
	if err := gc.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.WriteFile(os.Getenv("CHILD_PIDFILE"), []byte(strconv.Itoa(gc.Process.Pid)), 0o644); err != nil {
		return 1
	}
	fmt.Fprintln(os.Stderr, "grandchild started")
	_ = gc.Wait()
	return 0
}

// childSpec is this test binary started as a child in mode.
func childSpec(t *testing.T, mode string, env ...string) Spec {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Spec{Name: "fake-" + mode, Path: exe, Args: []string{"-test.run=^$"}, Env: append(env, childModeEnv+"="+mode)}
}

func startChild(t *testing.T, mode string, env ...string) *Process {
	t.Helper()
	p, err := Start(childSpec(t, mode, env...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.signalGroup(syscall.SIGKILL); <-p.Done() })
	return p
}

// gone waits until pid has exited and been reaped or is a zombie, for up to 10 s.
func gone(pid int) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		s := string(b)
		if state := s[strings.LastIndexByte(s, ')')+2]; state == 'Z' || state == 'X' {
			return true
		}
		time.Sleep(20 * time.Millisecond) // polls the kernel's process table; nothing to wait on
	}
	return false
}

// waitForOutput waits up to 30 s for p to print want: a child's own words are the only sign
// that it got that far.
func waitForOutput(t *testing.T, p *Process, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(p.Tail(5), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %q within 30 s: %s", p.Name(), want, p.Tail(5))
		}
	}
}
