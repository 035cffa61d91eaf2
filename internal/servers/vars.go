package servers

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"syscall"
)

// The variables a server's command, env, headers and config template may use.
const (
	VarPort    = "PORT"      // the port it listens on
	VarHost    = "HOST"      // the address it listens on
	VarStubURL = "STUB_URL"  // the upstream's base URL, e.g. http://127.0.0.1:18080
	VarStub    = "STUB_HOST" // the upstream's host:port, for configs that want no scheme
	VarDir     = "DIR"       // a scratch folder of this start's own, removed after it
	VarConfig  = "CONFIG"    // the rendered config file's path (when Config is set)
	VarRoot    = "ROOT"      // the repository root
)

var varNames = []string{VarPort, VarHost, VarStubURL, VarStub, VarDir, VarConfig, VarRoot}

var knownVar = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range varNames {
		m[n] = true
	}
	return m
}()

// Vars are the values of one start (or of a compose service) for ${VAR} and the config template.
type Vars map[string]string

// NewVars gives the variables of a server listening on host:port in front of stubURL.
func NewVars(root, host, port, stubURL, dir string) Vars {
	stubHost := stubURL
	if u, err := url.Parse(stubURL); err == nil && u.Host != "" {
		stubHost = u.Host
	}
	return Vars{VarPort: port, VarHost: host, VarStubURL: stubURL, VarStub: stubHost, VarDir: dir, VarRoot: root}
}

// Expand replaces each ${VAR} of s by its value.
func (v Vars) Expand(s string) string {
	return os.Expand(s, func(name string) string { return v[name] })
}

// RequestHeaders are the headers every request to s carries, for an upstream at stubURL.
func (s Server) RequestHeaders(stubURL string) http.Header {
	if len(s.Headers) == 0 {
		return nil
	}
	v := NewVars("", "", "", stubURL, "")
	h := http.Header{}
	for k, val := range s.Headers {
		h.Set(k, v.Expand(val))
	}
	return h
}

// HeaderLine is RequestHeaders as one line, "Name: value; Name: value" in name order (the
// form k6/sse.ts's HEADERS takes).
func (s Server) HeaderLine(stubURL string) string {
	h := s.RequestHeaders(stubURL)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + h.Get(k)
	}
	return strings.Join(parts, "; ")
}

// InCompose reports whether the compose stack runs s: every available server ssebench
// starts itself, but not an optional pitfall row or an external gateway.
func (s Server) InCompose() bool { return s.Unavailable == "" && !s.External() && !s.Optional }

// stopSignal is the signal that asks s to stop gracefully.
func (s Server) stopSignal() syscall.Signal {
	sig, _ := signalNamed(s.StopSignal)
	return sig
}

var signals = map[string]syscall.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "USR1": syscall.SIGUSR1, "HUP": syscall.SIGHUP}

func signalNamed(name string) (syscall.Signal, error) {
	if name == "" {
		return syscall.SIGTERM, nil
	}
	if sig, ok := signals[strings.TrimPrefix(strings.ToUpper(name), "SIG")]; ok {
		return sig, nil
	}
	return 0, fmt.Errorf("%q is not one of TERM, INT, QUIT, USR1, HUP", name)
}
