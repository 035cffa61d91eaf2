package exporterconfig

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// HostPort is one entry of a module's allowed_targets: a host (a name or an IP
// address, IPv6 in brackets) and a port, or `*` for any port: `go-http:8081`,
// `10.0.0.5:*`, `[::1]:8080`.
type HostPort struct {
	Host string // lower case, IP addresses in canonical form, no trailing dot
	Port string // decimal, or "*"
}

// MarshalYAML writes the host:port form ParseHostPort reads.
func (h HostPort) MarshalYAML() (any, error) { return net.JoinHostPort(h.Host, h.Port), nil }

// AnyPort is the wildcard port of a HostPort.
const AnyPort = "*"

// ParseHostPort reads one allowed_targets entry.
func ParseHostPort(s string) (HostPort, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return HostPort{}, fmt.Errorf("allowed target %q: want host:port or host:*", s)
	}
	h, err := canonicalHost(host)
	if err != nil {
		return HostPort{}, fmt.Errorf("allowed target %q: %w", s, err)
	}
	if port != AnyPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > maxPort || strconv.Itoa(n) != port {
			return HostPort{}, fmt.Errorf("allowed target %q: port %q is not 1..%d or *", s, port, maxPort)
		}
	}
	return HostPort{Host: h, Port: port}, nil
}

// canonicalHost lower-cases a name and drops one trailing dot; an IP address
// is written the one way netip writes it. Zones, paths, user info, spaces and
// empty hosts are refused.
func canonicalHost(host string) (string, error) {
	if host == "" {
		return "", fmt.Errorf("empty host")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return "", fmt.Errorf("host %q has an IPv6 zone", host)
		}
		return a.Unmap().String(), nil
	}
	if strings.ContainsAny(host, "/@?#%[] \t\r\n\\") {
		return "", fmt.Errorf("host %q is not a host name", host)
	}
	return strings.TrimSuffix(strings.ToLower(host), "."), nil
}

// Matches reports whether host and port (a URL's Hostname() and its port, the
// scheme's default filled in) are this entry.
func (h HostPort) Matches(host, port string) bool {
	c, err := canonicalHost(host)
	if err != nil {
		return false
	}
	return c == h.Host && (h.Port == AnyPort || h.Port == port)
}

func (h HostPort) String() string { return net.JoinHostPort(h.Host, h.Port) }

// UnmarshalYAML parses the entry so that a bad one fails the load, naming its line.
func (h *HostPort) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want host:port, got a %s", n.Line, kindName(n.Kind))
	}
	v, err := ParseHostPort(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*h = v
	return nil
}

// Allows reports whether the module lists host:port in its allowed_targets.
func (m Module) Allows(host, port string) bool {
	for _, a := range m.AllowedTargets {
		if a.Matches(host, port) {
			return true
		}
	}
	return false
}

// CheckTarget applies the allow-list rule to an http or https URL that the exporter's
// /probe is asked to probe with this module (named module, for the error): its host and
// port (the scheme's default when none is written) must be one of the module's
// allowed_targets. A module without allowed_targets may probe only loopback IP addresses
// (127.0.0.0/8, ::1, written as addresses, not names), and only when loopbackByDefault is
// set.
func (m Module) CheckTarget(u *url.URL, module string, loopbackByDefault bool) error {
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	if len(m.AllowedTargets) > 0 {
		if m.Allows(host, port) {
			return nil
		}
		return fmt.Errorf("target %s:%s is not in module %q's allowed_targets", host, port, module)
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Zone() == "" && a.Unmap().IsLoopback() {
		if loopbackByDefault {
			return nil
		}
		return fmt.Errorf("module %q has no allowed_targets, and loopback targets are allowed without one only when the exporter listens on loopback only", module)
	}
	return fmt.Errorf("target %s:%s refused: module %q has no allowed_targets, so it may probe loopback IP addresses only", host, port, module)
}
