package alertmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Notification is the body Alertmanager's webhook_config posts (payload version 4).
type Notification struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	Status            string            `json:"status"` // firing or resolved
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a Notification.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Receiver is a webhook endpoint for Alertmanager: it records every alert it is sent and
// logs it. Mount it on any path; it answers 200 to valid notifications, 400 otherwise.
type Receiver struct {
	Logger *slog.Logger // nil: discard

	mu      sync.Mutex
	alerts  []Alert
	changed chan struct{} // closed and replaced on every notification
}

const maxNotificationBytes = 4 << 20

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST an Alertmanager webhook notification", http.StatusMethodNotAllowed)
		return
	}
	var n Notification
	if err := json.NewDecoder(io.LimitReader(req.Body, maxNotificationBytes)).Decode(&n); err != nil {
		http.Error(w, "not an Alertmanager webhook notification: "+err.Error(), http.StatusBadRequest)
		return
	}
	if n.Version != "4" {
		http.Error(w, fmt.Sprintf("webhook payload version %q, want 4", n.Version), http.StatusBadRequest)
		return
	}
	logger := r.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for _, a := range n.Alerts {
		logger.Info("alert", "status", a.Status, "alertname", a.Labels["alertname"], "server", a.Labels["server"],
			"scenario", a.Labels["scenario"], "testid", a.Labels["testid"], "summary", a.Annotations["summary"],
			"description", a.Annotations["description"], "dashboard", a.Annotations["dashboard"])
	}
	r.mu.Lock()
	r.alerts = append(r.alerts, n.Alerts...)
	r.notifyLocked()
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (r *Receiver) notifyLocked() {
	if r.changed != nil {
		close(r.changed)
	}
	r.changed = make(chan struct{})
}

// Alerts returns every alert received so far, in order of arrival.
func (r *Receiver) Alerts() []Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Alert(nil), r.alerts...)
}

// Wait blocks until an alert matching match has been received, or ctx ends.
func (r *Receiver) Wait(ctx context.Context, match func(Alert) bool) (Alert, error) {
	for {
		r.mu.Lock()
		for _, a := range r.alerts {
			if match(a) {
				r.mu.Unlock()
				return a, nil
			}
		}
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return Alert{}, fmt.Errorf("no matching alert received: %w", ctx.Err())
		}
	}
}

// Firing matches firing alerts of the given name.
func Firing(alertname string) func(Alert) bool {
	return func(a Alert) bool { return a.Status == "firing" && a.Labels["alertname"] == alertname }
}
