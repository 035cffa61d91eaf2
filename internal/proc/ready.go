package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// defaultReadyWait bounds WaitReady when its context has no deadline of its own.
const defaultReadyWait = 2 * time.Minute

// WaitReady polls rawURL until it answers 200 from a listener that the child's process
// group holds: a 200 from another process on that port is not the child being ready. It
// fails at once when the child exits first (wrapping ErrExited, with the exit status and
// the last lines of stderr), and when ctx ends, with the command and those lines.
func (p *Process) WaitReady(ctx context.Context, rawURL string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultReadyWait)
		defer cancel()
	}
	port, err := urlPort(rawURL)
	if err != nil {
		return fmt.Errorf("%s: readiness URL %q: %w", p.name, rawURL, err)
	}
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, DialContext: (&net.Dialer{Timeout: time.Second}).DialContext},
	}
	defer client.CloseIdleConnections()
	lastErr := errors.New("no answer yet")
	delay := 10 * time.Millisecond
	for {
		if lastErr = p.answers(ctx, client, rawURL, port); lastErr == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s: %w: %s; its output ends with: %s", p.name, ErrExited, p.exitStatus(), p.tail.Lines(10))
		case <-ctx.Done():
			return fmt.Errorf("%s (%s): not ready at %s: %v (last try: %v); its output ends with: %s",
				p.name, p.command, rawURL, ctx.Err(), lastErr, p.tail.Lines(10))
		case <-time.After(delay):
		}
		delay = min(delay*2, 250*time.Millisecond)
	}
}

// answers is nil when rawURL answers 200 and the listening socket is the child's.
func (p *Process) answers(ctx context.Context, client *http.Client, rawURL string, port int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return listenerInGroup(port, p.PID())
}

func urlPort(rawURL string) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, err
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return 0, errors.New("no port in it")
	}
	return port, nil
}
