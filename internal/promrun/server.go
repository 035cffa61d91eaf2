// Package promrun starts and stops a real Prometheus server as a child process,
// for tests and for `ssebench run`, and queries it.
package promrun

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/proc"
)

// Options configure a Prometheus child process. Zero values pick defaults.
type Options struct {
	Binary        string        // default: FindBinary()
	ConfigFile    string        // default: a minimal configuration without scrape targets
	DataDir       string        // default: a temporary directory that Stop removes
	ListenAddress string        // default: 127.0.0.1 on a port picked at the start, kept across restarts
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
	scratch proc.ScratchDir // created by Start for defaults, removed by Stop

	mu   sync.Mutex
	proc *proc.Process
}

const (
	defaultReadyTimeout = 2 * time.Minute
	minimalConfig       = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
)

// Start launches Prometheus and returns once it reports ready.
func Start(ctx context.Context, opts Options) (*Server, error) {
	s := &Server{opts: opts}
	if err := s.resolveDefaults(); err != nil {
		s.scratch.Remove()
		return nil, err
	}
	if err := s.launch(ctx); err != nil {
		s.scratch.Remove()
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
		var err error
		if s.scratch, err = proc.NewScratchDir("prometheus"); err != nil {
			return err
		}
	}
	if o.ConfigFile == "" {
		o.ConfigFile = filepath.Join(s.scratch.Path(), "prometheus.yml")
		if err := os.WriteFile(o.ConfigFile, []byte(minimalConfig), 0o644); err != nil {
			return fmt.Errorf("writing the default prometheus configuration: %w", err)
		}
	} else if _, err := os.Stat(o.ConfigFile); err != nil {
		return fmt.Errorf("prometheus config file: %w", err)
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(s.scratch.Path(), "data")
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = defaultReadyTimeout
	}
	return nil
}

// commandLine is Prometheus' arguments for a listen address.
func (s *Server) commandLine(addr string) []string {
	o := s.opts
	args := []string{
		"--config.file=" + o.ConfigFile,
		"--storage.tsdb.path=" + o.DataDir,
		"--web.listen-address=" + addr,
		"--web.enable-remote-write-receiver",
		"--web.enable-lifecycle",
	}
	if o.Retention > 0 {
		args = append(args, "--storage.tsdb.retention.time="+model.Duration(o.Retention).String())
	}
	return append(args, o.ExtraArgs...)
}

// launch starts Prometheus on the configured address, or the first time on a free port,
// which it then keeps for every restart.
func (s *Server) launch(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.ReadyTimeout)
	defer cancel()
	p, err := proc.StartHTTP(ctx, s.opts.ListenAddress, "/-/ready", func(addr string) proc.Spec {
		return proc.Spec{Name: "prometheus", Path: s.opts.Binary, Args: s.commandLine(addr),
			Stdout: s.opts.Stdout, Stderr: s.opts.Stderr, Outlive: s.opts.Outlive}
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	if s.opts.ListenAddress == "" { // set once, before anyone else sees s
		s.opts.ListenAddress = p.Addr()
	}
	return nil
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
	if s.proc == nil {
		return 0
	}
	return s.proc.PID()
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
	return s.proc.Done()
}

// Stop terminates Prometheus with SIGTERM, waits for it (killing it when ctx
// ends first) and removes the temporary directory Start created, if any.
func (s *Server) Stop(ctx context.Context) error {
	err := s.stopCurrent(ctx)
	s.scratch.Remove()
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
	return s.launch(ctx)
}

// Reload makes Prometheus re-read its configuration and rule files and reports
// Prometheus' error when they are invalid.
func (s *Server) Reload(ctx context.Context) error { return Reload(ctx, s.URL()) }

func (s *Server) stopCurrent(ctx context.Context) error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.Stop(ctx)
}
