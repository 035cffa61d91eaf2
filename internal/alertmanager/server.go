package alertmanager

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/promrun"
)

// Options configure an Alertmanager child process. Zero values pick defaults.
type Options struct {
	Binary        string        // default: FindBinary()
	ConfigFile    string        // default: DefaultConfigFile()
	ListenAddress string        // default: 127.0.0.1 on a port picked at the start
	DataDir       string        // --storage.path; default: a temporary directory that Stop removes
	Stdout        io.Writer     // default: discarded
	Stderr        io.Writer     // default: discarded (the tail is kept for error messages)
	ReadyTimeout  time.Duration // default 1 minute
}

// Server is a running Alertmanager.
type Server struct {
	opts    Options
	scratch proc.ScratchDir // created by Start when no DataDir was given, removed by Stop
	proc    *proc.Process
}

const defaultReadyTimeout = time.Minute

// Start launches Alertmanager, without clustering, and returns once it reports ready.
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
		if s.scratch, err = proc.NewScratchDir("alertmanager"); err != nil {
			return err
		}
		o.DataDir = s.scratch.Path()
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = defaultReadyTimeout
	}
	return nil
}

func (s *Server) launch(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.ReadyTimeout)
	defer cancel()
	o := s.opts
	p, err := proc.StartHTTP(ctx, o.ListenAddress, "/-/ready", func(addr string) proc.Spec {
		return proc.Spec{Name: "alertmanager", Path: o.Binary, Args: []string{
			"--config.file=" + o.ConfigFile,
			"--storage.path=" + o.DataDir,
			"--web.listen-address=" + addr,
			// One instance: an empty cluster address turns gossip off, so nothing binds :9094.
			"--cluster.listen-address=",
		}, Stdout: o.Stdout, Stderr: o.Stderr}
	})
	if err != nil {
		return err
	}
	s.proc = p
	return nil
}

// URL is the base URL, e.g. http://127.0.0.1:9093.
func (s *Server) URL() string { return s.proc.URL() }

// Address is host:port, the form Prometheus' alertmanagers static_configs take.
func (s *Server) Address() string { return s.proc.Addr() }

// Done is closed when the process exits, whatever the reason.
func (s *Server) Done() <-chan struct{} { return s.proc.Done() }

// Stop terminates Alertmanager with SIGTERM, waits (killing it when ctx ends or after a
// minute) and removes the temporary data directory Start created, if any.
func (s *Server) Stop(ctx context.Context) error {
	defer s.scratch.Remove()
	return s.proc.Stop(ctx)
}
