// Package testchild lets tests of process discovery and of the exporter's collectors watch
// real processes: the test binary re-executes itself in a child mode (listen on a port, hold memory, burn CPU) chosen by an
// environment variable, and the parent waits for the child's readiness line.
package testchild

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// modeEnv selects the child mode; a test binary whose TestMain calls RunIfChild obeys it.
const modeEnv = "SSEBENCH_EXPORTER_TEST_CHILD"

// pageSize is the granularity at which held memory is touched.
const pageSize = 4096

// held keeps the child's allocation reachable for its whole life.
var held []byte

// RunIfChild runs the child mode named by the environment and exits; in the parent it
// returns at once. Call it first in TestMain.
func RunIfChild() {
	mode := os.Getenv(modeEnv)
	if mode == "" {
		return
	}
	if err := runChild(mode, os.Args[len(os.Args)-1]); err != nil {
		fmt.Fprintln(os.Stderr, "test child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runChild serves one mode; arg is a mode-specific setting. Every mode lives until its
// stdin closes, so a parent that dies takes its children with it.
func runChild(mode, arg string) error {
	switch mode {
	case "sleep":
		fmt.Println("ready")
	case "listen":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		go acceptForever(l)
		fmt.Printf("ready port=%d\n", l.Addr().(*net.TCPAddr).Port)
	case "burn":
		// arg is "CPU_SECONDS:MEM_MIB": hold MEM_MIB touched, then use CPU_SECONDS of CPU.
		cpuS, memS, _ := strings.Cut(arg, ":")
		secs, err1 := strconv.ParseFloat(cpuS, 64)
		mib, err2 := strconv.Atoi(memS)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("burn wants CPU_SECONDS:MEM_MIB, got %q", arg)
		}
		hold(mib)
		fmt.Println("ready")
		burnUntil(time.Duration(secs * float64(time.Second)))
		fmt.Println("burned")
	case "spin":
		// arg is MEM_MIB: hold it and keep one core busy until stdin closes.
		mib, err := strconv.Atoi(arg)
		if err != nil {
			return fmt.Errorf("spin wants MEM_MIB, got %q", arg)
		}
		hold(mib)
		fmt.Println("ready")
		go func() {
			for {
				spinOnce()
			}
		}()
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

func acceptForever(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() { _, _ = io.Copy(io.Discard, c); c.Close() }()
	}
}

// hold maps mib MiB and writes every page so that all of it is resident. The memory comes
// from mmap rather than the Go heap so that the race detector adds no shadow pages to it.
func hold(mib int) {
	if mib == 0 {
		return
	}
	var err error
	held, err = syscall.Mmap(-1, 0, mib<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		panic(err)
	}
	for i := 0; i < len(held); i += pageSize {
		held[i] = 1
	}
}

var sink uint64

func spinOnce() {
	for i := 0; i < 1_000_000; i++ {
		sink += uint64(i) * 2654435761
	}
}

// burnUntil spins until the process has used d of CPU in total (user + system).
func burnUntil(d time.Duration) {
	for cpuUsed() < d {
		spinOnce()
	}
}

func cpuUsed() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Child is a running child process.
type Child struct {
	Cmd    *exec.Cmd
	PID    int
	Ready  string // the readiness line, e.g. "ready port=41234"
	lines  chan string
	stdin  io.WriteCloser
	exited chan struct{}
}

// Start runs the test binary in mode with arg and waits for its readiness line. tag is
// added to the child's command line so that a cmdline regex can find exactly this child.
func Start(t testing.TB, mode, tag, arg string) *Child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$", "-ssebench.tag="+tag, arg)
	cmd.Env = append(os.Environ(), modeEnv+"="+mode)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &Child{Cmd: cmd, PID: cmd.Process.Pid, lines: make(chan string, 16), stdin: stdin, exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	go func() { _ = cmd.Wait(); close(c.exited) }()
	t.Cleanup(c.Stop)
	c.Ready = c.WaitLine(t, "ready", 30*time.Second)
	return c
}

// WaitLine waits for a stdout line starting with prefix.
func (c *Child) WaitLine(t testing.TB, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("child %d exited before printing %q", c.PID, prefix)
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-deadline:
			t.Fatalf("child %d did not print %q within %s", c.PID, prefix, timeout)
		}
	}
}

// Port returns the port of a listen-mode child.
func (c *Child) Port(t testing.TB) int {
	t.Helper()
	p, err := strconv.Atoi(strings.TrimPrefix(c.Ready, "ready port="))
	if err != nil {
		t.Fatalf("readiness line %q has no port", c.Ready)
	}
	return p
}

// Stop ends the child and waits until the kernel has reaped it.
func (c *Child) Stop() {
	_ = c.stdin.Close()
	select {
	case <-c.exited:
		return
	case <-time.After(5 * time.Second):
	}
	_ = c.Cmd.Process.Kill()
	<-c.exited
}
