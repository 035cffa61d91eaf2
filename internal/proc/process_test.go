package proc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReadinessTimeoutNamesTheCommandAndShowsTheTail(t *testing.T) {
	p := startChild(t, "silent")
	waitForOutput(t, p, "warming up the cache")
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = p.WaitReady(ctx, "http://"+addr+"/ready")
	if err == nil {
		t.Fatal("a child that never listens was reported ready")
	}
	exe, _ := os.Executable()
	for _, want := range []string{"fake-silent", exe, "not ready at http://" + addr + "/ready", "context deadline exceeded", "warming up the cache"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if errors.Is(err, ErrExited) {
		t.Errorf("a running child reported as exited: %v", err)
	}
}

func TestExitBeforeReadyGivesTheStatusAndTheTail(t *testing.T) {
	p := startChild(t, "die")
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = p.WaitReady(ctx, "http://"+addr+"/ready")
	if !errors.Is(err, ErrExited) {
		t.Fatalf("got %v, want ErrExited", err)
	}
	for _, want := range []string{"fake-die", "exit status 3", "address already in use"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if ctx.Err() != nil {
		t.Fatal("waited for the whole deadline instead of failing when the child exited")
	}
}

// Before Stop signalled the process group, a child's own children outlived it.
func TestStopKillsGrandchildren(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "grandchild.pid")
	p := startChild(t, "spawn", "CHILD_PIDFILE="+pidfile)
	waitForOutput(t, p, "grandchild started")
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	grandchild, _ := strconv.Atoi(string(b))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = p.Stop(ctx) // the child dies of the SIGTERM meant for the group: its status is not the point
	if !gone(grandchild) {
		t.Fatalf("grandchild %d still runs after Stop", grandchild)
	}
}

func TestSecondStopIsANoOp(t *testing.T) {
	p, err := StartHTTP(context.Background(), "", "/ready", func(addr string) Spec {
		return childSpec(t, "ignore-term", "CHILD_ADDR="+addr)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	first := p.Stop(ctx)
	if !errors.Is(first, ErrKilled) {
		t.Fatalf("Stop of a child ignoring SIGTERM returned %v, want ErrKilled", first)
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("child still running after Stop")
	}
	if second := p.Stop(context.Background()); second != first {
		t.Fatalf("second Stop returned %v, want the first one's %v", second, first)
	}
}

func TestStopOfACleanChildIsNil(t *testing.T) {
	p, err := StartHTTP(context.Background(), "", "/ready", func(addr string) Spec {
		return childSpec(t, "serve", "CHILD_ADDR="+addr)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.URL(), "http://127.0.0.1:") || p.PID() <= 0 {
		t.Fatalf("url %q pid %d", p.URL(), p.PID())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Stop(ctx); err != nil {
		t.Fatalf("a clean SIGTERM exit reported as %v", err)
	}
}

// foreign is another process's listener answering 200 to everything, as a server left over
// from an earlier run would: this test binary serving in a process group of its own.
func foreign(t *testing.T) *Process {
	p, err := StartHTTP(context.Background(), "", "/ready", func(addr string) Spec {
		return childSpec(t, "serve", "CHILD_ADDR="+addr)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(context.Background()) })
	return p
}

// Before the ownership check, any 200 on the port made the child ready, and a foreign
// process was measured in its place.
func TestAForeignListenerIsNotTheChildBeingReady(t *testing.T) {
	other := foreign(t)
	p := startChild(t, "silent")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := p.WaitReady(ctx, other.URL()+"/ready")
	if err == nil {
		t.Fatal("a 200 from another process's listener was taken for the child being ready")
	}
	want := "answered by pid " + strconv.Itoa(other.PID()) + " (proc.test), not by the child (process group " + strconv.Itoa(p.PID()) + ")"
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q lacks %q", err, want)
	}
}

func TestStartHTTPOnAnAddressTakenByAnotherProcessFails(t *testing.T) {
	addr := foreign(t).Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := StartHTTP(ctx, addr, "/ready", func(a string) Spec { return childSpec(t, "serve", "CHILD_ADDR="+a) })
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("got %v, want the child's exit on the taken address", err)
	}
}

func TestStartHTTPPicksAnotherPortWhenItsPortWasTaken(t *testing.T) {
	taken := foreign(t).Addr()
	picks := 0
	pickAddr = func() (string, error) {
		if picks++; picks == 1 {
			return taken, nil
		}
		return FreeAddr()
	}
	t.Cleanup(func() { pickAddr = FreeAddr })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := StartHTTP(ctx, "", "/ready", func(a string) Spec { return childSpec(t, "serve", "CHILD_ADDR="+a) })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(context.Background())
	if picks != 2 || p.Addr() == taken {
		t.Fatalf("%d picks, serving on %s (taken: %s)", picks, p.Addr(), taken)
	}
}

func TestTailKeepsTheLastLines(t *testing.T) {
	tail := NewTail(16)
	if got := tail.Lines(3); got != "(no output)" {
		t.Fatalf("empty tail: %q", got)
	}
	_, _ = tail.Write([]byte("first line\nsecond\n\nthird\nfourth\n"))
	if got := tail.Lines(2); got != "third | fourth" {
		t.Fatalf("got %q", got)
	}
	if got := tail.Lines(9); got != "d | third | fourth" {
		t.Fatalf("bytes beyond the last 16 kept: %q", got)
	}
}
