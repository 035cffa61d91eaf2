// Package proc runs ssebench's child processes (Prometheus, Alertmanager, the stub, the
// exporter and the servers under test) one way: in a process group of their own that dies
// with ssebench, with the tail of their output kept for errors, a readiness wait that
// accepts only a listener the child holds, and a stop that ends the whole group.
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spec is one child to start.
type Spec struct {
	Name string   // names the child in errors ("prometheus", "go-http")
	Path string   // the executable
	Args []string // its arguments, without argv[0]
	Dir  string   // working directory; "" is ours
	// Env is appended to the inherited environment, so it wins over it.
	Env []string
	// Stdout and Stderr get a copy of the child's output; nil discards it. The last lines
	// of stderr are kept either way, for errors.
	Stdout, Stderr io.Writer
	// Outlive leaves the child running when ssebench dies (Prometheus under --keep).
	Outlive bool
	// StopSignal asks the child to stop gracefully (SIGTERM when zero): nginx stops at
	// once on SIGTERM and lets its streams finish on SIGQUIT.
	StopSignal syscall.Signal
	// OnExit runs once the child has exited and been reaped, or when it could not start
	// (a scratch folder's removal).
	OnExit func()
}

// Process is one running child.
type Process struct {
	name    string
	command string
	addr    string // host:port it serves on, when started by StartHTTP
	cmd     *exec.Cmd
	tail    *Tail
	done    chan struct{} // closed once the child has exited and been reaped
	err     error         // cmd.Wait's result, valid once done is closed

	stopSig syscall.Signal

	stopOnce sync.Once
	stopErr  error
}

// ErrKilled is wrapped by Stop's error when the child outlived SIGTERM's grace period.
var ErrKilled = errors.New("did not exit after SIGTERM; killed")

// ErrExited is wrapped by WaitReady's error when the child died before it was ready.
var ErrExited = errors.New("exited before it was ready")

// maxGrace bounds how long Stop waits after SIGTERM when its context has no earlier end.
const maxGrace = time.Minute

// Start launches the child and returns once it runs; WaitReady waits until it serves.
func Start(s Spec) (*Process, error) {
	p := &Process{
		name:    s.Name,
		command: strings.Join(append([]string{s.Path}, s.Args...), " "),
		tail:    NewTail(8 << 10),
		done:    make(chan struct{}),
		stopSig: s.StopSignal,
	}
	if p.stopSig == 0 {
		p.stopSig = syscall.SIGTERM
	}
	// Not CommandContext: a cancelled context would SIGKILL the child and skip the graceful
	// stop that Stop gives it.
	cmd := exec.Command(s.Path, s.Args...)
	cmd.Dir = s.Dir
	cmd.Env = append(cmd.Environ(), s.Env...)
	cmd.Stdout = s.Stdout
	cmd.Stderr = p.tail
	if s.Stderr != nil {
		cmd.Stderr = io.MultiWriter(s.Stderr, p.tail)
	}
	cmd.SysProcAttr = procAttr(s.Outlive)
	if err := cmd.Start(); err != nil {
		if s.OnExit != nil {
			s.OnExit()
		}
		return nil, fmt.Errorf("%s: starting %s: %w", s.Name, p.command, err)
	}
	p.cmd = cmd
	go func() {
		p.err = cmd.Wait()
		if s.OnExit != nil {
			s.OnExit()
		}
		close(p.done)
	}()
	return p, nil
}

// Name is the name the child was started under.
func (p *Process) Name() string { return p.name }

// PID is the child's process id, which is also its process group id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed once the child has exited, whatever the reason.
func (p *Process) Done() <-chan struct{} { return p.done }

// Tail returns the last n lines the child wrote to stderr.
func (p *Process) Tail(n int) string { return p.tail.Lines(n) }

// Addr is the host:port the child serves on, "" when it was not started by StartHTTP.
func (p *Process) Addr() string { return p.addr }

// URL is the child's base URL without a trailing slash, "" when it has no address.
func (p *Process) URL() string {
	if p.addr == "" {
		return ""
	}
	return "http://" + p.addr
}

// Stop sends SIGTERM to the child's process group and waits for the child; when ctx ends
// first, or a minute passes, it sends SIGKILL. What is left of the group after the child
// exits is killed, so that nothing it started runs on. It returns nil only for an exit with
// status 0. A second Stop sends nothing and returns the first one's result.
func (p *Process) Stop(ctx context.Context) error {
	p.stopOnce.Do(func() { p.stopErr = p.stop(ctx) })
	return p.stopErr
}

func (p *Process) stop(ctx context.Context) error {
	defer p.signalGroup(syscall.SIGKILL)
	select {
	case <-p.done:
		return p.exitResult()
	default:
	}
	p.signalGroup(p.stopSig)
	ctx, cancel := context.WithTimeout(ctx, maxGrace)
	defer cancel()
	select {
	case <-p.done:
		return p.exitResult()
	case <-ctx.Done():
		p.signalGroup(syscall.SIGKILL)
		<-p.done
		return fmt.Errorf("%s: %w: %s", p.name, ErrKilled, p.tail.Lines(5))
	}
}

// signalGroup signals every process of the child's group; a group already gone is fine.
func (p *Process) signalGroup(sig syscall.Signal) { _ = syscall.Kill(-p.PID(), sig) }

func (p *Process) exitResult() error {
	if p.err != nil {
		return fmt.Errorf("%s: exited with %v: %s", p.name, p.err, p.tail.Lines(10))
	}
	return nil
}

// exitStatus describes how the child ended, once done is closed.
func (p *Process) exitStatus() string {
	if p.err == nil {
		return "exit status 0"
	}
	return p.err.Error()
}
