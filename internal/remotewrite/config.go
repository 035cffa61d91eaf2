// Package remotewrite pushes the metrics of a prometheus.Gatherer to a
// Prometheus remote-write receiver at a fixed interval, the way k6's
// experimental-prometheus-rw output does: cumulative values, native
// histograms, retries, a bounded queue, and stale markers at the end.
//
// It speaks Remote-Write 2.0 by default, through client_golang's exp/api/remote
// client: Prometheus 3.16's receiver accepts 2.0 by default
// (--web.remote-write-receiver.accepted-protobuf-messages) and stores its native
// histograms, and 2.0 also carries metric type and help. Config.Protocol "1.0"
// sends the same samples as 1.0's prompb.WriteRequest instead, for the receivers
// that take only 1.0 (Thanos Receive, VictoriaMetrics, many Mimir setups, as k6 sends).
package remotewrite

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/ssebench/ssebench/internal/version"
)

// Config configures a Pusher. Zero values pick the documented defaults.
type Config struct {
	URL           string        // e.g. http://127.0.0.1:9090/api/v1/write
	Interval      time.Duration // default 1s
	Timeout       time.Duration // per request, default 5s
	UserAgent     string        // default "ssebench/<version>"
	QueueCapacity int           // pending write requests kept in memory; default enough for ≥ 3 minutes at 1/s
	MaxRetryDelay time.Duration // backoff cap, default 5s
	Logger        *slog.Logger
	Protocol      string // ProtocolV2 (default) or ProtocolV1
}

// The Remote-Write protocol versions a Pusher speaks.
const (
	ProtocolV1 = "1.0"
	ProtocolV2 = "2.0"
)

const (
	defaultInterval      = time.Second
	defaultTimeout       = 5 * time.Second
	defaultMaxRetryDelay = 5 * time.Second
	// defaultQueueSpan is how long an outage the default queue rides out
	// (one request per Interval).
	defaultQueueSpan  = 5 * time.Minute
	minQueueCapacity  = 16
	minRetryDelay     = 100 * time.Millisecond
	userAgentProgName = "ssebench"
)

func (c Config) withDefaults() (Config, error) {
	if c.URL == "" {
		return c, errors.New("remotewrite: Config.URL is empty; want e.g. http://127.0.0.1:9090/api/v1/write")
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("remotewrite: Config.URL %q: want an absolute http or https URL such as http://127.0.0.1:9090/api/v1/write", c.URL)
	}
	for name, d := range map[string]time.Duration{"Interval": c.Interval, "Timeout": c.Timeout, "MaxRetryDelay": c.MaxRetryDelay} {
		if d < 0 {
			return c, fmt.Errorf("remotewrite: Config.%s is negative (%s)", name, d)
		}
	}
	switch c.Protocol {
	case "":
		c.Protocol = ProtocolV2
	case ProtocolV1, ProtocolV2:
	default:
		return c, fmt.Errorf("remotewrite: Config.Protocol %q: want %q or %q", c.Protocol, ProtocolV1, ProtocolV2)
	}
	if c.QueueCapacity < 0 {
		return c, fmt.Errorf("remotewrite: Config.QueueCapacity is negative (%d)", c.QueueCapacity)
	}
	if c.Interval == 0 {
		c.Interval = defaultInterval
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	if c.MaxRetryDelay == 0 {
		c.MaxRetryDelay = defaultMaxRetryDelay
	}
	if c.QueueCapacity == 0 {
		c.QueueCapacity = max(minQueueCapacity, int(defaultQueueSpan/c.Interval))
	}
	if c.UserAgent == "" {
		c.UserAgent = version.UserAgent(userAgentProgName)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
