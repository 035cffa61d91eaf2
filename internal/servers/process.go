package servers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StartOptions is what a server needs from its caller.
type StartOptions struct {
	Port    int
	StubURL string
	// Env is appended to the inherited environment (after PORT, HOST and STUB_URL, so it wins).
	Env            []string
	Stdout, Stderr io.Writer
}

// Process is one running server.
type Process struct {
	name   string
	port   int
	cmd    *exec.Cmd
	stderr *tailBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // exit error, valid once done is closed
}

// Start launches the server in root with PORT, HOST=127.0.0.1 and STUB_URL set. It returns
// once the process has started; use WaitHealthy to wait until it serves.
func Start(ctx context.Context, root string, s Server, opts StartOptions) (*Process, error) {
	if s.Unavailable != "" {
		return nil, fmt.Errorf("%s: unavailable: %s", s.Name, s.Unavailable)
	}
	if len(s.Command) == 0 {
		return nil, fmt.Errorf("%s: no command", s.Name)
	}
	if opts.Port <= 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("%s: port %d out of range", s.Name, opts.Port)
	}
	argv0 := s.Command[0]
	if strings.Contains(argv0, "/") && !filepath.IsAbs(argv0) {
		argv0 = filepath.Join(root, argv0)
	}
	p := &Process{name: s.Name, port: opts.Port, stderr: newTailBuffer(8 << 10), done: make(chan struct{})}
	// Not CommandContext: a cancelled ctx would SIGKILL the server, skipping the graceful
	// shutdown that Stop exercises. ctx bounds only the start itself.
	cmd := exec.Command(argv0, s.Command[1:]...)
	cmd.Dir = root
	cmd.Env = append(cmd.Environ(),
		"PORT="+strconv.Itoa(opts.Port),
		"HOST=127.0.0.1",
		"STUB_URL="+opts.StubURL,
	)
	cmd.Env = append(cmd.Env, opts.Env...)
	cmd.Stdout = opts.Stdout
	cmd.Stderr = p.stderr
	if opts.Stderr != nil {
		cmd.Stderr = io.MultiWriter(opts.Stderr, p.stderr)
	}
	// Its own process group: a Ctrl-C at the terminal reaches the harness, which then stops
	// the server in order, instead of reaching both at once. Pdeathsig: if the harness dies
	// without stopping it (kill -9, a crash), the kernel kills the child, so nothing is left
	// holding the port or measuring on.
	cmd.SysProcAttr = childProcAttr()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: start: %w", s.Name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", s.Name, strings.Join(s.Command, " "), err)
	}
	p.cmd = cmd
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is the server's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// URL is the server's base URL, without a trailing slash.
func (p *Process) URL() string { return "http://127.0.0.1:" + strconv.Itoa(p.port) }

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.done }

// WaitHealthy polls GET /healthz until it answers 200. If the process dies first it fails at
// once with the exit status and the last lines of stderr.
func (p *Process) WaitHealthy(ctx context.Context) error {
	client := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, DialContext: (&net.Dialer{Timeout: time.Second}).DialContext},
	}
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	lastErr := errors.New("no answer yet")
	for {
		if err := p.healthz(ctx, client); err == nil {
			return nil
		} else {
			lastErr = err
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s: exited before it was healthy: %v: %s", p.name, p.exitStatus(), p.stderr.lastLines(10))
		case <-ctx.Done():
			return fmt.Errorf("%s: not healthy at %s/healthz: %v (last try: %v); stderr: %s", p.name, p.URL(), ctx.Err(), lastErr, p.stderr.lastLines(10))
		case <-tick.C:
		}
	}
}

func (p *Process) healthz(ctx context.Context, client *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// ErrKilled is wrapped by Stop's error when the server ignored SIGTERM until the deadline.
var ErrKilled = errors.New("did not exit after SIGTERM; killed")

// Stop sends SIGTERM and waits for the process to exit; when ctx ends first it sends
// SIGKILL. It returns nil only for a clean exit with status 0.
func (p *Process) Stop(ctx context.Context) error {
	select {
	case <-p.done:
		return p.stopResult(false)
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: SIGTERM: %w", p.name, err)
	}
	select {
	case <-p.done:
		return p.stopResult(false)
	case <-ctx.Done():
		_ = p.cmd.Process.Kill()
		<-p.done
		return p.stopResult(true)
	}
}

func (p *Process) stopResult(killed bool) error {
	if killed {
		return fmt.Errorf("%s: %w: %s", p.name, ErrKilled, p.stderr.lastLines(5))
	}
	if p.err != nil {
		return fmt.Errorf("%s: exited with %v: %s", p.name, p.exitStatus(), p.stderr.lastLines(10))
	}
	return nil
}

func (p *Process) exitStatus() error {
	if p.err == nil {
		return errors.New("exit status 0")
	}
	return p.err
}

// StderrTail returns the last lines the server wrote to stderr, for test and run logs.
func (p *Process) StderrTail(n int) string { return p.stderr.lastLines(n) }

// FreePort asks the kernel for a free TCP port on 127.0.0.1. Another process may take it
// before it is used; callers that start a server on it retry on failure if they must.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
