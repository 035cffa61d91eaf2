package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/internal/promrun"
)

// Options configure an Alertmanager child process. Zero values pick defaults.
type Options struct {
	Binary        string        // default: FindBinary()
	ConfigFile    string        // default: DefaultConfigFile()
	ListenAddress string        // default: 127.0.0.1 on a free port
	DataDir       string        // --storage.path; default: a temporary directory that Stop removes
	Stdout        io.Writer     // default: discarded
	Stderr        io.Writer     // default: discarded (the tail is kept for error messages)
	ReadyTimeout  time.Duration // default 1 minute
}

// Server is a running Alertmanager.
type Server struct {
	opts    Options
	tempDir string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	logTail *promrun.TailBuffer
}

const (
	defaultReadyTimeout = time.Minute
	maxStopWait         = 30 * time.Second
)

// Start launches Alertmanager, without clustering, and returns once it reports ready.
func Start(ctx context.Context, opts Options) (*Server, error) {
	s := &Server{opts: opts, logTail: promrun.NewTailBuffer(8 << 10), exited: make(chan struct{})}
	if err := s.resolveDefaults(); err != nil {
		s.removeTempDir()
		return nil, err
	}
	if err := s.launch(); err != nil {
		s.removeTempDir()
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop(context.Background())
		return nil, err
	}
	return s, nil
}

func (s *Server) resolveDefaults() error {
	o := &s.opts
	var err error
	if o.Binary == "" {
		if o.Binary, err = FindBinary(); err != nil {
			return err
		}
	} else if err := promrun.CheckExecutable(o.Binary); err != nil {
		return fmt.Errorf("alertmanager not found at %s: run `make deps` (%v)", o.Binary, err)
	}
	if o.ConfigFile == "" {
		if o.ConfigFile, err = DefaultConfigFile(); err != nil {
			return err
		}
	}
	if _, err := os.Stat(o.ConfigFile); err != nil {
		return fmt.Errorf("alertmanager config file: %w", err)
	}
	if o.DataDir == "" {
		if s.tempDir, err = os.MkdirTemp("", "alertmanager-"); err != nil {
			return fmt.Errorf("creating a data directory for alertmanager: %w", err)
		}
		o.DataDir = s.tempDir
	}
	if o.ListenAddress == "" {
		if o.ListenAddress, err = freeLocalAddress(); err != nil {
			return err
		}
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = defaultReadyTimeout
	}
	return nil
}

func (s *Server) launch() error {
	o := s.opts
	s.cmd = exec.Command(o.Binary,
		"--config.file="+o.ConfigFile,
		"--storage.path="+o.DataDir,
		"--web.listen-address="+o.ListenAddress,
		// One instance: an empty cluster address turns gossip off, so nothing binds :9094.
		"--cluster.listen-address=",
	)
	s.cmd.Stdout = orDiscard(o.Stdout)
	s.cmd.Stderr = io.MultiWriter(orDiscard(o.Stderr), s.logTail)
	// Own process group (Ctrl-C reaches only ssebench); stopped if ssebench dies.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", o.Binary, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.ReadyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	delay := 20 * time.Millisecond
	for {
		if s.ready(ctx, client) {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("alertmanager exited before becoming ready (%v); its log ends with:\n%s", s.waitErr, s.logTail.String())
		case <-ctx.Done():
			return fmt.Errorf("alertmanager at %s not ready within %s: %w; its log ends with:\n%s",
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

// URL is the base URL, e.g. http://127.0.0.1:9093.
func (s *Server) URL() string { return "http://" + s.opts.ListenAddress }

// Address is host:port, the form Prometheus' alertmanagers static_configs take.
func (s *Server) Address() string { return s.opts.ListenAddress }

// Done is closed when the process exits, whatever the reason.
func (s *Server) Done() <-chan struct{} { return s.exited }

// Stop terminates Alertmanager with SIGTERM, waits (killing it when ctx ends or after
// 30 s) and removes the temporary data directory Start created, if any.
func (s *Server) Stop(ctx context.Context) error {
	defer s.removeTempDir()
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping alertmanager: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, maxStopWait)
	defer cancel()
	select {
	case <-s.exited:
		return nil
	case <-ctx.Done():
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("alertmanager did not stop after SIGTERM (%w); killed it", ctx.Err())
	}
}

func (s *Server) removeTempDir() {
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
		s.tempDir = ""
	}
}

func freeLocalAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port for alertmanager: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
