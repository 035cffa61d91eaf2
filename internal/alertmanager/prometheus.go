package alertmanager

import (
	"fmt"
	"os"
	"strings"
)

// AddToPrometheusConfig appends an alerting section that sends Prometheus' alerts to the
// Alertmanagers at addresses (host:port). It is meant for the copy of prometheus.yml in a
// run directory (promrun.PrepareRunDir), never for the repository's base file, which
// must not name an Alertmanager that only exists during `ssebench run --alerts`.
func AddToPrometheusConfig(configFile string, addresses ...string) error {
	if len(addresses) == 0 {
		return fmt.Errorf("alertmanager: no address to add to %s", configFile)
	}
	b, err := os.ReadFile(configFile)
	if err != nil {
		return fmt.Errorf("alertmanager: reading prometheus config: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "alerting:") {
			return fmt.Errorf("alertmanager: %s already has an alerting section", configFile)
		}
	}
	quoted := make([]string, len(addresses))
	for i, a := range addresses {
		if strings.Contains(a, "/") || !strings.Contains(a, ":") {
			return fmt.Errorf("alertmanager: address %q: want host:port", a)
		}
		quoted[i] = fmt.Sprintf("%q", a)
	}
	section := fmt.Sprintf("\n# Added by ssebench: send alerts to the Alertmanager of this run.\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [%s]\n",
		strings.Join(quoted, ", "))
	text := strings.TrimRight(string(b), "\n") + "\n" + section
	return os.WriteFile(configFile, []byte(text), 0o644)
}

// ExampleWebhookURL is the receiver URL of the committed alertmanager.yml.
const ExampleWebhookURL = "http://127.0.0.1:9095/alerts"

// WriteConfig copies the Alertmanager configuration src to dst with the example webhook
// URL replaced by webhookURL (for tests and for `ssebench run --alerts` with a receiver
// of the user's choosing).
func WriteConfig(src, dst, webhookURL string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("alertmanager: reading config: %w", err)
	}
	if !strings.Contains(string(b), ExampleWebhookURL) {
		return fmt.Errorf("alertmanager: %s has no webhook url %s to replace", src, ExampleWebhookURL)
	}
	if !strings.HasPrefix(webhookURL, "http://") && !strings.HasPrefix(webhookURL, "https://") {
		return fmt.Errorf("alertmanager: webhook URL %q: want an http or https URL", webhookURL)
	}
	out := strings.ReplaceAll(string(b), ExampleWebhookURL, webhookURL)
	return os.WriteFile(dst, []byte(out), 0o644)
}
