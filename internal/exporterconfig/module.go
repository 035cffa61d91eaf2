package exporterconfig

import (
	"fmt"
	"net/http"
	"strings"
)

func (m Module) check() error {
	switch strings.ToUpper(m.Method) {
	case "", http.MethodGet, http.MethodPost:
	default:
		return fmt.Errorf("method %q: want GET or POST", m.Method)
	}
	if m.MinEvents < 0 {
		return fmt.Errorf("min_events %d is negative", m.MinEvents)
	}
	if f := m.Buffering.MaxFirstEventFraction; f < 0 || f > 1 {
		return fmt.Errorf("buffering.max_first_event_fraction %g is outside 0..1", f)
	}
	if m.Timeout.D() > MaxProbeTimeout {
		return fmt.Errorf("timeout %s is over the maximum of %s", m.Timeout.D(), MaxProbeTimeout)
	}
	// Judged on the values a probe uses: an offset over the default timeout is as wrong
	// as one over a written timeout.
	if d := m.WithDefaults(); d.TimeoutOffset >= d.Timeout {
		return fmt.Errorf("timeout_offset %s is not below timeout %s", d.TimeoutOffset.D(), d.Timeout.D())
	}
	for k := range m.Headers {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") {
			return fmt.Errorf("header name %q is not a valid HTTP header name", k)
		}
	}
	return nil
}

// WithDefaults fills the fields a file may leave out.
func (m Module) WithDefaults() Module {
	if m.Method == "" {
		m.Method = http.MethodPost
		if m.Body == "" {
			m.Method = http.MethodGet
		}
	}
	m.Method = strings.ToUpper(m.Method)
	if m.Timeout == 0 {
		m.Timeout = Duration(DefaultProbeTimeout)
	}
	if m.TimeoutOffset == 0 {
		// The default offset, but never half the timeout or more: a short probe keeps time to run.
		m.TimeoutOffset = Duration(min(DefaultTimeoutOffset, m.Timeout.D()/2))
	}
	return m
}
