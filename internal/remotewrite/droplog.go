package remotewrite

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// dropLogEvery bounds the drop lines of one Pusher: a refusing receiver drops a request
// every Interval, and a line for each would bury the rest of the log.
const dropLogEvery = 5 * time.Second

// dropLog says, while the run is still going, that samples are being lost: at most one
// line per every, each with what was dropped since the previous line and the total.
type dropLog struct {
	mu       sync.Mutex
	every    time.Duration
	last     time.Time
	samples  int64 // dropped since the last line
	requests int64
}

// note counts one dropped request and logs when the last line is old enough.
func (d *dropLog) note(log *slog.Logger, samples, total int64, reason error) {
	d.mu.Lock()
	d.samples += samples
	d.requests++
	now := time.Now()
	if !d.last.IsZero() && now.Sub(d.last) < d.every {
		d.mu.Unlock()
		return
	}
	n, reqs := d.samples, d.requests
	d.samples, d.requests, d.last = 0, 0, now
	d.mu.Unlock()
	log.LogAttrs(context.Background(), slog.LevelWarn, "remote write dropping samples: Prometheus will miss part of this run",
		slog.Int64("dropped", n), slog.Int64("requests", reqs), slog.Int64("dropped_total", total), slog.Any("reason", reason))
}
