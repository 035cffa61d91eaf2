// Package promrun starts and stops a real Prometheus server as a child process,
// for tests and for `ssebench run`, and queries it.
package promrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/common/model"
)

// Options configure a Prometheus child process. Zero values pick defaults.
type Options struct {
	Binary        string        // default: FindBinary()
	ConfigFile    string        // default: a minimal configuration without scrape targets
	DataDir       string        // default: a temporary directory that Stop removes
	ListenAddress string        // default: 127.0.0.1 on a free port
	Retention     time.Duration // --storage.tsdb.retention.time; a retention in the config file wins
	ExtraArgs     []string      // appended to the command line
	Stdout        io.Writer     // default: discarded
	Stderr        io.Writer     // default: discarded (the tail is kept for error messages)
	ReadyTimeout  time.Duration // how long to wait for /-/ready; default 2 minutes (WAL replay on a busy machine)
	Outlive       bool          // keep running when this process exits (ssebench run --keep)
}

// Server is a running Prometheus. Its address and data directory stay the
// same across Restart.
type Server struct {
	opts    Options
	args    []string
	tempDir string // created by Start for defaults, removed by Stop

	mu      sync.Mutex
	proc    *process
	logTail *TailBuffer
}

type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // valid after exited is closed
}

const (
	defaultReadyTimeout = 2 * time.Minute
	maxStopWait         = time.Minute
	minimalConfig       = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
)

// Start launches Prometheus and returns once it reports ready.
func Start(ctx context.Context, opts Options) (*Server, error) {
	s := &Server{opts: opts, logTail: NewTailBuffer(8 << 10)}
	if err := s.resolveDefaults(); err != nil {
		s.removeTempDir()
		return nil, err
	}
	s.args = s.commandLine()
	if err := s.launchAndWait(ctx); err != nil {
		s.removeTempDir()
		return nil, err
	}
	return s, nil
}

func (s *Server) resolveDefaults() error {
	o := &s.opts
	if o.Binary == "" {
		bin, err := FindBinary()
		if err != nil {
			return err
		}
		o.Binary = bin
	} else if err := CheckExecutable(o.Binary); err != nil {
		return fmt.Errorf("prometheus not found at %s: run `make deps` (%v)", o.Binary, err)
	}
	if o.ConfigFile == "" || o.DataDir == "" {
		dir, err := os.MkdirTemp("", "promrun-")
		if err != nil {
			return fmt.Errorf("creating a temporary directory for prometheus: %w", err)
		}
		s.tempDir = dir
	}
	if o.ConfigFile == "" {
		o.ConfigFile = filepath.Join(s.tempDir, "prometheus.yml")
		if err := os.WriteFile(o.ConfigFile, []byte(minimalConfig), 0o644); err != nil {
			return fmt.Errorf("writing the default prometheus configuration: %w", err)
		}
	} else if _, err := os.Stat(o.ConfigFile); err != nil {
		return fmt.Errorf("prometheus config file: %w", err)
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(s.tempDir, "data")
	}
	if o.ListenAddress == "" {
		addr, err := freeLocalAddress()
		if err != nil {
			return err
		}
		o.ListenAddress = addr
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = defaultReadyTimeout
	}
	return nil
}

func (s *Server) commandLine() []string {
	o := s.opts
	args := []string{
		"--config.file=" + o.ConfigFile,
		"--storage.tsdb.path=" + o.DataDir,
		"--web.listen-address=" + o.ListenAddress,
		"--web.enable-remote-write-receiver",
		"--web.enable-lifecycle",
	}
	if o.Retention > 0 {
		args = append(args, "--storage.tsdb.retention.time="+model.Duration(o.Retention).String())
	}
	return append(args, o.ExtraArgs...)
}

// freeLocalAddress asks the kernel for a free port. Another process could take
// it before Prometheus binds it; Start then fails with Prometheus' own message.
func freeLocalAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port for prometheus: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func (s *Server) launchAndWait(ctx context.Context) error {
	p, err := s.launch()
	if err != nil {
		return err
	}
	if err := s.waitReady(ctx, p); err != nil {
		_ = stopProcess(context.Background(), p)
		return err
	}
	return nil
}

func (s *Server) launch() (*process, error) {
	cmd := exec.Command(s.opts.Binary, s.args...)
	cmd.Stdout = orDiscard(s.opts.Stdout)
	cmd.Stderr = io.MultiWriter(orDiscard(s.opts.Stderr), s.logTail)
	cmd.SysProcAttr = childProcAttr(s.opts.Outlive)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", s.opts.Binary, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return p, nil
}

func (s *Server) waitReady(ctx context.Context, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.ReadyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	delay := 20 * time.Millisecond
	for {
		if s.ready(ctx, client) {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("prometheus exited before becoming ready (%v); its log ends with:\n%s", p.err, s.logTail.String())
		case <-ctx.Done():
			return fmt.Errorf("prometheus at %s not ready within %s: %w; its log ends with:\n%s",
				s.URL(), s.opts.ReadyTimeout, ctx.Err(), s.logTail.String())
		case <-time.After(delay):
		}
		delay = min(delay*2, 250*time.Millisecond)
	}
}

func (s *Server) ready(ctx context.Context, client *http.Client) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/-/ready", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// URL is the server's base URL, e.g. http://127.0.0.1:9090.
func (s *Server) URL() string { return "http://" + s.opts.ListenAddress }

// RemoteWriteURL is where remote-write requests go.
func (s *Server) RemoteWriteURL() string { return s.URL() + "/api/v1/write" }

// DataDir is the TSDB directory; it survives Restart.
func (s *Server) DataDir() string { return s.opts.DataDir }

// PID is the process id of the running Prometheus, 0 when it is not running.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || s.proc.cmd.Process == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// ConfigFile is the configuration Prometheus was started with.
func (s *Server) ConfigFile() string { return s.opts.ConfigFile }

// Done is closed when the current Prometheus process exits, whatever the reason.
func (s *Server) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		closed := make(chan struct{})
		close(closed)
		return closed
	}
	return s.proc.exited
}

// Stop terminates Prometheus with SIGTERM, waits for it (killing it when ctx
// ends first) and removes the temporary directory Start created, if any.
func (s *Server) Stop(ctx context.Context) error {
	err := s.stopCurrent(ctx)
	s.removeTempDir()
	return err
}

// Restart stops Prometheus and starts it again on the same address with the
// same data directory.
func (s *Server) Restart(ctx context.Context) error { return s.RestartAfter(ctx, 0) }

// RestartAfter stops Prometheus, keeps it down for downtime (an outage, as
// clients see it), then starts it again on the same address and data directory.
func (s *Server) RestartAfter(ctx context.Context, downtime time.Duration) error {
	if err := s.stopCurrent(ctx); err != nil {
		return err
	}
	select {
	case <-time.After(downtime):
	case <-ctx.Done():
		return fmt.Errorf("restarting prometheus: %w", ctx.Err())
	}
	return s.launchAndWait(ctx)
}

// Reload makes Prometheus re-read its configuration and rule files and reports
// Prometheus' error when they are invalid.
func (s *Server) Reload(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reloading prometheus: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reloading prometheus: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

func (s *Server) stopCurrent(ctx context.Context) error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	return stopProcess(ctx, p)
}

func stopProcess(ctx context.Context, p *process) error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping prometheus: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, maxStopWait)
	defer cancel()
	select {
	case <-p.exited:
		return nil
	case <-ctx.Done():
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("prometheus did not stop after SIGTERM (%w); killed it", ctx.Err())
	}
}

func (s *Server) removeTempDir() {
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
		s.tempDir = ""
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// NewTailBuffer keeps the last max bytes.
func NewTailBuffer(max int) *TailBuffer { return &TailBuffer{max: max} }

// TailBuffer keeps the last bytes written to it: a child process's log tail, for error
// messages.
type TailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *TailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *TailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
