package stub

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

func TestHealthz(t *testing.T) {
	s := startStub(t, DefaultConfig())
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequestWithContext(t.Context(), method, s.url+PathHealthz, nil)
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s /healthz: %d", method, resp.StatusCode)
		}
	}
}

func TestMetricsEndpointExposesEveryCounterAndLints(t *testing.T) {
	s := startStub(t, zeroDelay())
	resp := s.post(t, t.Context(), chatBody, nil)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	resp, err := s.client.Get(s.url + PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(raw)
	for _, want := range []string{
		"ssebench_stub_streams_started_total 1",
		"ssebench_stub_streams_completed_total 1",
		"ssebench_stub_streams_client_aborted_total 0",
		"ssebench_stub_streams_fault_aborted_total 0",
		"ssebench_stub_errors_injected_total 0",
		"ssebench_stub_stalls_total 0",
		"ssebench_stub_stream_events_total 11",
		"ssebench_stub_streams_active 0",
		`ssebench_stub_requests_total{code="200"} 1`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	problems, err := promlint.New(strings.NewReader(text)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestNewHandlerRejectsBadConfigAndDoubleRegistration(t *testing.T) {
	bad := DefaultConfig()
	bad.Shape.TokenSize = 0
	bad.Faults.ErrorRate = 2
	_, err := NewHandler(bad, prometheus.NewRegistry(), nil)
	if err == nil || !strings.Contains(err.Error(), "token size") || !strings.Contains(err.Error(), "error rate") {
		t.Errorf("error %v should name token size and error rate", err)
	}
	reg := prometheus.NewRegistry()
	if _, err := NewHandler(DefaultConfig(), reg, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := NewHandler(DefaultConfig(), reg, nil); err == nil {
		t.Error("registering twice on one registry succeeded")
	}
}

func TestListenSetsTCPNoDelayOnAcceptedConnections(t *testing.T) {
	l, err := Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var d net.Dialer
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	client, err := d.DialContext(ctx, "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var opt int
	var optErr error
	if err := raw.Control(func(fd uintptr) {
		opt, optErr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
	}); err != nil || optErr != nil {
		t.Fatal(err, optErr)
	}
	if opt == 0 {
		t.Error("TCP_NODELAY is off on an accepted connection")
	}
}
