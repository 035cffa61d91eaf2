package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/runinfo"
)

// startInfoPusher keeps ssebench_run_info fresh for the whole run, so that dashboards and
// the report find the machine table at any point of it.
func startInfoPusher(ctx context.Context, st *stack, info runinfo.Info) (*remotewrite.Pusher, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(info.Collector()); err != nil {
		return nil, err
	}
	p, err := st.newPusher(reg, "run info")
	if err != nil {
		return nil, fmt.Errorf("run info pusher: %w", err)
	}
	p.Start(context.WithoutCancel(ctx))
	return p, nil
}

// newPusher remote-writes g's metrics to the run's Prometheus every second; samples it
// drops are logged through the run's logger as they are lost, not only counted at the end.
func (s *stack) newPusher(g prometheus.Gatherer, what string) (*remotewrite.Pusher, error) {
	return remotewrite.New(remotewrite.Config{URL: s.remoteWriteURL(), Interval: time.Second,
		Logger: s.cfg.Logger.With("push", what)}, g)
}

// promAPI is a Prometheus HTTP API client; every call carries its own deadline.
func promAPI(url string) v1.API {
	client, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		// Only a malformed address fails here, and the address came from a server we reached.
		panic(fmt.Sprintf("runner: Prometheus client for %q: %v", url, err))
	}
	return v1.NewAPI(client)
}
