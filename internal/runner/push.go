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
	described := make([]runinfo.Server, 0, len(list))
	for _, s := range list {
		described = append(described, runinfo.Server{Name: s.Name, Runtime: s.Runtime, Framework: s.Framework})
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(info.Collector()); err != nil {
		return nil, err
	}
	if err := reg.Register(runinfo.ServersCollector(info.TestID, described)); err != nil {
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
