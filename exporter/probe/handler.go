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

	"github.com/ssebench/ssebench/exporter/config"
)

// scrapeTimeoutHeader is how Prometheus tells a target its scrape timeout.
const scrapeTimeoutHeader = "X-Prometheus-Scrape-Timeout-Seconds"

// Handler serves /probe?target=<url>&module=<name>; modules looks a module up by name.
func Handler(modules func(name string) (config.Module, bool), logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		target := q.Get("target")
		if err := checkTarget(target); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		name := q.Get("module")
		if name == "" {
			name = config.DefaultModuleName
		}
		m, ok := modules(name)
		if !ok {
			http.Error(w, fmt.Sprintf("unknown module %q", name), http.StatusBadRequest)
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

func checkTarget(target string) error {
	if target == "" {
		return fmt.Errorf("target parameter is missing")
	}
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("target %q is not a URL: %v", target, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("target %q: want an http or https URL", target)
	}
	if u.Host == "" {
		return fmt.Errorf("target %q has no host", target)
	}
	return nil
}

// Timeout is the module's timeout, shortened to the scrape timeout Prometheus announces
// minus the module's offset, so that the answer arrives before Prometheus gives up.
func Timeout(header string, m config.Module) (time.Duration, error) {
	t := m.Timeout.D()
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
