package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/remotewrite"
	"github.com/ssebench/ssebench/internal/runinfo"
	"github.com/ssebench/ssebench/internal/servers"
)

// startInfoPusher keeps ssebench_run_info and ssebench_server_info fresh for the whole run,
// so that dashboards and the report find the machine table and each server's runtime at
// any point of it.
func startInfoPusher(ctx context.Context, st *stack, info runinfo.Info, list []servers.Server) (*remotewrite.Pusher, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(info.Collector()); err != nil {
		return nil, err
	}
	if err := reg.Register(runinfo.ServersCollector(info.TestID, servers.Infos(list))); err != nil {
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
	return remotewrite.New(s.pushConfig(what), g)
}

// pushConfig is how everything of the run is remote-written; what names it in the log.
func (s *stack) pushConfig(what string) remotewrite.Config {
	return remotewrite.Config{URL: s.remoteWriteURL(), Interval: time.Second, Logger: s.cfg.Logger.With("push", what)}
}
