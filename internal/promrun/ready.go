package promrun

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// CheckReady says whether the Prometheus at baseURL answers /-/ready with 200 within 5 s,
// and if not, why.
func CheckReady(ctx context.Context, baseURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	what := "Prometheus at " + baseURL
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/-/ready", nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s is not reachable: %w", what, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s is not ready: %s", what, resp.Status)
	}
	return nil
}

// Reload asks the server at baseURL to re-read its configuration through the /-/reload
// endpoint of Prometheus' convention (Prometheus, the exporter), and reports the server's
// complaint when the configuration is invalid.
func Reload(ctx context.Context, baseURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reloading %s: %w", baseURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reloading %s: %s: %s", baseURL, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
