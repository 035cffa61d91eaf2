package probe

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ssebench/ssebench/internal/exporterconfig"
)

// scrapeTimeoutHeader is how Prometheus tells a target its scrape timeout.
const scrapeTimeoutHeader = "X-Prometheus-Scrape-Timeout-Seconds"

// MaxConcurrentProbes is how many probes may run at once unless Options says
// otherwise; one more is answered 503 at once.
const MaxConcurrentProbes = 16

// Options are the handler's limits.
type Options struct {
	// LoopbackByDefault lets a module without allowed_targets probe loopback IP
	// addresses (127.0.0.0/8, ::1). Set it only when the exporter listens on
	// loopback only: then a caller of /probe could reach those ports anyway.
	LoopbackByDefault bool
	// MaxConcurrent bounds the probes in flight; 0 means MaxConcurrentProbes.
	MaxConcurrent int
}

// Handler serves /probe?target=<url>&module=<name>; modules looks a module up by name.
// A target must be allowed by the module (see exporterconfig.Module.CheckTarget); the
// request is never sent anywhere else (no redirects, no proxy).
func Handler(modules func(name string) (exporterconfig.Module, bool), logger *slog.Logger, opts Options) http.Handler {
	limit := opts.MaxConcurrent
	if limit <= 0 {
		limit = MaxConcurrentProbes
	}
	slots := make(chan struct{}, limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		target := q.Get("target")
		u, err := checkTarget(target)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		name := q.Get("module")
		if name == "" {
			name = exporterconfig.DefaultModuleName
		}
		m, ok := modules(name)
		if !ok {
			http.Error(w, fmt.Sprintf("unknown module %q", name), http.StatusBadRequest)
			return
		}
		if err := m.CheckTarget(u, name, opts.LoopbackByDefault); err != nil {
			logger.Warn("probe target refused", "target", target, "module", name, "err", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		default:
			w.Header().Set("Retry-After", "1")
			http.Error(w, fmt.Sprintf("%d probes already in flight, the limit", limit), http.StatusServiceUnavailable)
			return
		}
		m = m.WithDefaults()
		timeout, err := Timeout(r.Header.Get(scrapeTimeoutHeader), m)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		start := time.Now()
		res := Run(ctx, target, m)
		elapsed := time.Since(start)
		logger.Debug("probe done", "target", target, "module", name, "success", res.Success(),
			"events", res.Events, "max_gap", res.MaxEventGap, "failed", res.Failed)
		reg := prometheus.NewRegistry()
		Register(reg, res, elapsed)
		promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	})
}

func checkTarget(target string) (*url.URL, error) {
	if target == "" {
		return nil, fmt.Errorf("target parameter is missing")
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("target %q is not a URL: %v", target, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("target %q: want an http or https URL", target)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("target %q has no host", target)
	}
	if u.User != nil {
		return nil, fmt.Errorf("target %q carries user info; put credentials in the module's headers", target)
	}
	return u, nil
}

// Timeout is the module's timeout, shortened to the scrape timeout Prometheus announces
// minus the module's offset, so that the answer arrives before Prometheus gives up.
// Neither is ever over exporterconfig.MaxProbeTimeout.
func Timeout(header string, m exporterconfig.Module) (time.Duration, error) {
	t := min(m.Timeout.D(), exporterconfig.MaxProbeTimeout)
	if header == "" {
		return t, nil
	}
	secs, err := strconv.ParseFloat(header, 64)
	if err != nil || secs <= 0 {
		return 0, fmt.Errorf("%s %q is not a positive number of seconds", scrapeTimeoutHeader, header)
	}
	scrape := time.Duration(secs*float64(time.Second)) - m.TimeoutOffset.D()
	if scrape <= 0 {
		return 0, fmt.Errorf("%s %q leaves no time after the %s offset", scrapeTimeoutHeader, header, m.TimeoutOffset.D())
	}
	if scrape < t {
		t = scrape
	}
	return t, nil
}
