package cputime

import (
	"runtime"
	"testing"
)

// Self counts a thread that has exited.
func TestSelfCountsExitedThread(t *testing.T) {
	before, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var threadCPU = make(chan int64, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		used, err := hashOnThisThread(16 << 20)
		threadCPU <- int64(used)
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	used := <-threadCPU
	after, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Self grew by %v; the exiting thread used %v", after-before, used)
	if int64(after-before) < used-int64(2*1000) { // getrusage truncates to µs
		t.Errorf("Self grew by %v, less than the thread's %dns", after-before, used)
	}
}
