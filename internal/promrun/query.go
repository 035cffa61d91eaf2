package promrun

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// DefaultQueryTimeout bounds each query when the caller's context has no earlier deadline.
const DefaultQueryTimeout = 30 * time.Second

// Client runs PromQL queries against one Prometheus, each bounded by Timeout.
type Client struct {
	API     v1.API
	Timeout time.Duration
}

// NewClient returns a query client for the Prometheus at baseURL.
func NewClient(baseURL string, timeout time.Duration) (*Client, error) {
	c, err := api.NewClient(api.Config{Address: baseURL})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %q: %w", baseURL, err)
	}
	if timeout <= 0 {
		timeout = DefaultQueryTimeout
	}
	return &Client{API: v1.NewAPI(c), Timeout: timeout}, nil
}

// Client returns a query client for this server.
func (s *Server) Client() *Client {
	c, err := NewClient(s.URL(), DefaultQueryTimeout)
	if err != nil {
		// The URL is built from a host:port we chose or validated, so this cannot fail.
		panic(err)
	}
	return c
}

// Query evaluates expr at time at.
func (c *Client) Query(ctx context.Context, expr string, at time.Time) (model.Value, v1.Warnings, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	v, warn, _, err := c.API.Query(ctx, expr, at, v1.WithTimeout(c.Timeout))
	if err != nil {
		return nil, warn, fmt.Errorf("query %q: %w", expr, err)
	}
	return v, warn, nil
}

// QueryRange evaluates expr over r.
func (c *Client) QueryRange(ctx context.Context, expr string, r v1.Range) (model.Value, v1.Warnings, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	v, warn, _, err := c.API.QueryRange(ctx, expr, r, v1.WithTimeout(c.Timeout))
	if err != nil {
		return nil, warn, fmt.Errorf("range query %q: %w", expr, err)
	}
	return v, warn, nil
}

// QueryVector evaluates expr at time at and requires an instant vector.
func (c *Client) QueryVector(ctx context.Context, expr string, at time.Time) (model.Vector, error) {
	v, _, err := c.Query(ctx, expr, at)
	if err != nil {
		return nil, err
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %q: want an instant vector, got %s", expr, v.Type())
	}
	return vec, nil
}
