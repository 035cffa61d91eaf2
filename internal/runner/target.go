package runner

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ssebench/ssebench/internal/proc"
	"github.com/ssebench/ssebench/internal/servers"
)

// target is where a load run goes: a server's base URL, its process (pid -1 when it has
// none of ours: direct, an external gateway) and the headers every request carries.
type target struct {
	url     string
	pid     int
	headers http.Header
	proc    *proc.Process // nil when pid is -1
}

// exited says, once the server's process has ended, how: its exit status and last output.
func (tg target) exited() (string, bool) {
	if tg.proc == nil {
		return "", false
	}
	select {
	case <-tg.proc.Done():
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return fmt.Sprintf("%v; last output: %s", tg.proc.Stop(ctx), tg.proc.Tail(5)), true
	default:
		return "", false
	}
}

// headersFor is what every request to srv carries: --header's, then the server's own from
// servers.yaml (an AI gateway's routing headers), which win.
func (s *stack) headersFor(srv servers.Server) http.Header {
	h := s.cfg.Headers.Clone()
	if h == nil {
		h = http.Header{}
	}
	for k, vs := range srv.RequestHeaders(s.stub.URL()) {
		h[k] = vs
	}
	return h
}

// checkExternal asks an external gateway's health path, so that a gateway that is not
// running is one clear skip rather than a scenario of failed streams.
func checkExternal(ctx context.Context, srv servers.Server, headers http.Header) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := srv.URL + srv.HealthPath()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header = headers.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("external gateway not reachable at %s: %w", url, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("external gateway %s answered %s (want 200; set health: in the servers file)", url, resp.Status)
	}
	return nil
}
