// Package loadrun is one load run as `ssebench load` and `ssebench run` both make it: a
// registry of its own (k6's values are cumulative per load run and end with stale markers,
// and so are ours), a remote-write pusher on it started before the load and drained after,
// and the load generator's run between them.
package loadrun

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/remotewrite"
)

// DefaultDrain is how long the final push may take: a Prometheus restart of a minute must
// lose nothing.
const DefaultDrain = 2 * time.Minute

// Options are one load run and where its series go.
type Options struct {
	Load  load.Options       // its Registry is the run's own, made by New
	Push  remotewrite.Config // URL "": nothing is pushed
	Drain time.Duration      // the final push's deadline; default DefaultDrain
	// Progress, when set, is called about once a second with the run's progress and the
	// samples the pusher has dropped so far.
	Progress func(p load.Progress, droppedSamples int64)
	// Ended, when set, is called as soon as the load ends, before the final push drains,
	// with what load.Run returned: `ssebench load` prints its summary meanwhile.
	Ended func(*load.Summary, error)
}

// Run is a load run ready to start: its registry and its pusher, not started yet.
type Run struct {
	opts   Options
	pusher *remotewrite.Pusher // nil: nothing is pushed
}

// Result is what the run measured and what its pusher delivered.
type Result struct {
	Summary *load.Summary // nil when the load could not start
	Err     error         // load.Run's error; context.Canceled when it was interrupted
	Push    remotewrite.Stats
	PushErr error // the final push: what the receiver is missing of this run
}

// New makes the run's registry and its pusher; an error is a push configuration the pusher
// refuses, and nothing has started.
func New(opts Options) (*Run, error) {
	reg := prometheus.NewRegistry()
	opts.Load.Registry = reg
	if opts.Drain <= 0 {
		opts.Drain = DefaultDrain
	}
	r := &Run{opts: opts}
	if opts.Push.URL != "" {
		var err error
		if r.pusher, err = remotewrite.New(opts.Push, reg); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Run starts the pusher, runs the load until it ends or ctx is cancelled (which interrupts
// it, and still returns what it measured), then drains the pusher: its final values and
// stale markers go out even after a cancellation, within Options.Drain.
func (r *Run) Run(ctx context.Context) Result {
	if r.pusher != nil {
		r.pusher.Start(context.WithoutCancel(ctx))
	}
	lo := r.opts.Load
	if r.opts.Progress != nil {
		lo.Progress = func(p load.Progress) { r.opts.Progress(p, r.pusher.Stats().SamplesDropped) }
	}
	var res Result
	res.Summary, res.Err = load.Run(ctx, lo)
	if r.opts.Ended != nil {
		r.opts.Ended(res.Summary, res.Err)
	}
	if r.pusher != nil {
		drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.Drain)
		defer cancel()
		res.Push, res.PushErr = r.pusher.Stop(drain)
	}
	return res
}

// Pushing says whether the run's series are pushed.
func (r *Run) Pushing() bool { return r.pusher != nil }
