package promrun

import (
	"context"
	"fmt"
	"net/http"
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
