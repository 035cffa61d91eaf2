package remotewrite

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/lockedbuf"
)

const dropLine = "remote write dropping samples"

// A receiver that refuses must show in the log while the run goes on, not only in Stop's
// final count: once at first, then at most once per dropLogEvery.
func TestDropsAreLoggedWhileRunning(t *testing.T) {
	refusals := map[string]http.HandlerFunc{
		"500, retried until the tiny queue overflows": func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "no", http.StatusInternalServerError)
		},
		"400, rejected": func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusBadRequest) },
		"connection closed": func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		},
	}
	for name, refuse := range refusals {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(refuse)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv.Listener = l
			srv.Start()
			defer srv.Close()
			var logs lockedbuf.Buffer
			reg, _ := twoSeries()
			p, err := New(Config{URL: srv.URL + "/api/v1/write", Interval: 10 * time.Millisecond, QueueCapacity: 1,
				MaxRetryDelay: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, reg)
			if err != nil {
				t.Fatal(err)
			}
			p.Start(context.Background())
			waitUntil(t, func() bool { return strings.Contains(logs.String(), dropLine) })
			waitUntil(t, func() bool { return p.Stats().RequestsFailed >= 5 })
			running := logs.String()
			stats, _ := stopWithin(t, p, time.Second)
			if n := strings.Count(running, dropLine); n != 1 {
				t.Errorf("%d drop lines for %d dropped requests within %v, want exactly 1:\n%s", n, stats.RequestsFailed, dropLogEvery, running)
			}
			if !strings.Contains(running, "dropped=2 ") || !strings.Contains(running, "dropped_total=") {
				t.Errorf("the drop line does not count what was lost:\n%s", running)
			}
		})
	}
}

func TestDropLogIsRateLimitedAndCarriesTheGap(t *testing.T) {
	var logs lockedbuf.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	d := dropLog{every: time.Hour}
	d.note(log, 2, 2, context.DeadlineExceeded)
	d.note(log, 3, 5, context.DeadlineExceeded)
	d.last = time.Now().Add(-2 * time.Hour) // the window has passed
	d.note(log, 4, 9, context.DeadlineExceeded)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got:\n%s", logs.String())
	}
	if !strings.Contains(lines[1], "dropped=7 requests=2 dropped_total=9") {
		t.Errorf("the second line must count everything since the first: %s", lines[1])
	}
}

func TestNilPusherHasNoStats(t *testing.T) {
	var p *Pusher
	if p.Stats() != (Stats{}) {
		t.Error("a nil Pusher reports counts")
	}
}
