// Package alertmanager starts a real Alertmanager as a child process (for tests and for
// `ssebench run --alerts`), points a Prometheus configuration at it, and receives its
// webhook notifications.
package alertmanager
