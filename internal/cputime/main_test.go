package cputime

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the measured process: with childModeEnv set it runs the mode
// named there instead of the tests.
const childModeEnv = "SSEBENCH_CPUTIME_TEST_CHILD"

func init() {
	// Keep the main goroutine on the main thread, so that no worker lands there: a worker's
	// thread must exit with it, and the main thread never does.
	if os.Getenv(childModeEnv) != "" {
		runtime.LockOSThread()
	}
}

func TestMain(m *testing.M) {
	if mode := os.Getenv(childModeEnv); mode != "" {
		if err := runChild(mode); err != nil {
			fmt.Fprintln(os.Stderr, "cputime test child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	workerThreads = 4
	workPerThread = 128 << 20 // bytes hashed by each worker: about 0.1 CPU·s with SHA extensions
)

// runChild: "threads" prints "ready", waits for a "go" line, burns workPerThread in each of
// workerThreads OS threads that then exit, and prints "done self_ns=N work_ns=N" once the
// threads are gone — self its getrusage, work the threads' own CPU. "idle" prints "ready".
// Both then live until stdin closes.
func runChild(mode string) error {
	in := bufio.NewReader(os.Stdin)
	switch mode {
	case "idle":
		fmt.Println("ready")
	case "threads":
		fmt.Println("ready")
		if line, err := in.ReadString('\n'); err != nil || line != "go\n" {
			return fmt.Errorf("want a go line, got %q (%v)", line, err)
		}
		work, err := burnInExitingThreads(workerThreads, workPerThread)
		if err != nil {
			return err
		}
		self, err := Self()
		if err != nil {
			return err
		}
		fmt.Printf("done self_ns=%d work_ns=%d\n", self, work)
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	_, _ = io.Copy(io.Discard, in)
	return nil
}

// burnInExitingThreads hashes size bytes in each of n goroutines locked to their threads;
// a goroutine that ends locked takes its thread with it. It returns once every such thread
// has left /proc/self/task, with the CPU the threads used by their own schedstat.
func burnInExitingThreads(n, size int) (time.Duration, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		tids []int
		work time.Duration
		errs []error
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
			used, err := hashOnThisThread(size)
			mu.Lock()
			defer mu.Unlock()
			tids = append(tids, syscall.Gettid())
			work += used
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return 0, errs[0]
	}
	return work, waitThreadsGone(tids, 10*time.Second)
}

// hashOnThisThread hashes size bytes and returns the CPU time the calling thread spent on
// it: the thread may be one the runtime had used before.
func hashOnThisThread(size int) (time.Duration, error) {
	const self = "/proc/thread-self/schedstat"
	start, err := threadSchedstat(self)
	if err != nil {
		return 0, err
	}
	block := make([]byte, 64<<10)
	h := sha256.New()
	for done := 0; done < size; done += len(block) {
		h.Write(block)
	}
	_ = h.Sum(nil)
	end, err := threadSchedstat(self)
	return end - start, err
}

// waitThreadsGone polls until none of tids is a thread of this process: the runtime ends
// a thread shortly after its goroutine.
func waitThreadsGone(tids []int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, tid := range tids {
		for {
			if _, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", tid)); os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("thread %d still alive after %s", tid, timeout)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return nil
}

// threadSchedstat reads a schedstat file's first field: nanoseconds on a CPU.
func threadSchedstat(path string) (time.Duration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(data), " ")
	ns, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return time.Duration(ns), nil
}

// liveThreadsSchedstat sums schedstat over the threads pid has now: exact, but blind to
// the threads that have exited.
func liveThreadsSchedstat(t *testing.T, pid int) time.Duration {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tids, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var sum time.Duration
	for _, tid := range tids {
		d, err := threadSchedstat(dir + "/" + tid.Name() + "/schedstat")
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		sum += d
	}
	return sum
}

// child is a running measured process speaking lines on stdin and stdout.
type child struct {
	cmd   *exec.Cmd
	pid   int
	stdin io.WriteCloser
	lines chan string
}

// startTestChild runs the test binary in mode and waits for its "ready" line.
func startTestChild(t *testing.T, mode string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childModeEnv+"="+mode)
	c := startChild(t, cmd)
	c.waitLine(t, "ready")
	return c
}

// startChild starts cmd with its stdin and stdout piped; cleanup closes stdin (every child
// here exits then) and kills what is left.
func startChild(t *testing.T, cmd *exec.Cmd) *child {
	t.Helper()
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
	c := &child{cmd: cmd, pid: cmd.Process.Pid, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		stdin.Close()
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	return c
}

func (c *child) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		t.Fatalf("child %d: %v", c.pid, err)
	}
}

// waitLine returns the first stdout line starting with prefix.
func (c *child) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("child %d exited before printing %q", c.pid, prefix)
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("child %d did not print %q within a minute", c.pid, prefix)
		}
	}
}

// stop closes the child's stdin and waits for it to exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.stdin.Close()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child %d: %v", c.pid, err)
	}
}
