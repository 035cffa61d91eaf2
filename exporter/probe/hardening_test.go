package probe

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ssebench/ssebench/internal/exporterconfig"
)

// probeAnswer is one /probe answer: its status, body, and series when it is 200.
type probeAnswer struct {
	status int
	body   string
	series map[string]float64
}

func probeWith(t *testing.T, h http.Handler, target string) probeAnswer {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	return getProbe(t, srv.URL, target, 30*time.Second)
}

func getProbe(t *testing.T, base, target string, within time.Duration) probeAnswer {
	t.Helper()
	a, err := tryProbe(base, target, within)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// tryProbe is getProbe for goroutines other than the test's: it returns its error.
func tryProbe(base, target string, within time.Duration) (probeAnswer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/probe?module=m&target="+url.QueryEscape(target), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return probeAnswer{}, fmt.Errorf("/probe %s: %w", target, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := probeAnswer{status: resp.StatusCode, body: string(raw)}
	if resp.StatusCode == http.StatusOK {
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(strings.NewReader(a.body))
		if err != nil {
			return a, err
		}
		a.series = map[string]float64{}
		for name, f := range families {
			for _, mt := range f.GetMetric() {
				key := name
				for _, l := range mt.GetLabel() {
					key += "/" + l.GetValue()
				}
				a.series[key] = mt.GetGauge().GetValue()
			}
		}
	}
	return a, nil
}

func moduleFunc(m exporterconfig.Module) func(string) (exporterconfig.Module, bool) {
	return func(name string) (exporterconfig.Module, bool) { return m, name == "m" }
}

// TestProbeRefusesTargetsNotAllowed: without an allow-list, only loopback IP
// literals may be probed; a name (even one that resolves to loopback) is refused
// before any connection, naming the rule.
func TestProbeRefusesTargetsNotAllowed(t *testing.T) {
	var hits atomic.Int32
	up := upstream(t)
	counted := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		up.Config.Handler.ServeHTTP(w, r)
	}))
	defer counted.Close()
	h := loopbackHandler(moduleFunc(streamModule(time.Second)))
	port := counted.Listener.Addr().(*net.TCPAddr).Port
	named := fmt.Sprintf("http://localhost:%d/v1/chat/completions", port)
	if a := probeWith(t, h, named); a.status != http.StatusBadRequest || !strings.Contains(a.body, "allowed_targets") {
		t.Errorf("%s: %d %q, want 400 naming allowed_targets", named, a.status, a.body)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the refused target was contacted %d times", n)
	}
	literal := fmt.Sprintf("http://127.0.0.1:%d/v1/chat/completions", port)
	if a := probeWith(t, h, literal); a.status != http.StatusOK || a.series["probe_success"] != 1 {
		t.Errorf("%s (loopback): %d, success %v; want a probe", literal, a.status, a.series["probe_success"])
	}
}

// TestProbeDoesNotFollowRedirects: a 302 is the probe's answer (a status failure),
// never a way to send the module's request and headers somewhere else.
func TestProbeDoesNotFollowRedirects(t *testing.T) {
	var reached atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		upstream(t).Config.Handler.ServeHTTP(w, r)
	}))
	defer elsewhere.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/v1/chat/completions", http.StatusFound)
	}))
	defer redirector.Close()
	a := probeWith(t, loopbackHandler(moduleFunc(streamModule(time.Second))), redirector.URL+"/v1/chat/completions")
	if a.status != http.StatusOK {
		t.Fatalf("/probe answered %d: %s", a.status, a.body)
	}
	if a.series["probe_http_status_code"] != 302 || a.series["probe_sse_failure/"+ReasonStatus] != 1 {
		t.Errorf("status %v, failures %v: want the 302 itself, a status failure", a.series["probe_http_status_code"], failures(a.series))
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the redirect was followed: its target got %d requests", n)
	}
}

// flood is a loopback server writing `piece` over and over until the client
// leaves or 15 s pass; it reports how many bytes it managed to write.
func flood(t *testing.T, header, piece string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var written atomic.Int64
	buf := []byte(strings.Repeat(piece, (32<<10)/len(piece)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, header)
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) && r.Context().Err() == nil {
			n, err := w.Write(buf)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &written
}

// probeFloodFailsAsStreamError probes a flooding target with an 8 s timeout and requires a
// stream error, not a timeout: the probe stopped reading by itself.
func probeFloodFailsAsStreamError(t *testing.T, target string) probeAnswer {
	t.Helper()
	m := streamModule(time.Second)
	m.Timeout = exporterconfig.Duration(8 * time.Second)
	a := probeWith(t, loopbackHandler(moduleFunc(m)), target)
	if a.status != http.StatusOK {
		t.Fatalf("/probe answered %d: %s", a.status, a.body)
	}
	if a.series["probe_sse_failure/"+ReasonStreamError] != 1 || a.series["probe_sse_failure/"+ReasonTimeout] != 0 {
		t.Errorf("failures %v, want stream_error, not timeout", failures(a.series))
	}
	return a
}

// TestProbeStopsAnEndlessLine: one line that never ends fails the probe as a
// stream error after about DefaultMaxEventSize, long before its timeout.
func TestProbeStopsAnEndlessLine(t *testing.T) {
	srv, written := flood(t, "data: ", "a")
	a := probeFloodFailsAsStreamError(t, srv.URL)
	if d := a.series["probe_duration_seconds"]; d > 4 {
		t.Errorf("the probe read the endless line for %.1f s", d)
	}
	t.Logf("the server wrote %d bytes before the probe left", written.Load())
}

// TestProbeCapsTheBody: a stream of well-formed events that never ends stops
// at the probe's byte cap as a stream error.
func TestProbeCapsTheBody(t *testing.T) {
	srv, written := flood(t, "", "data: x\n\n")
	a := probeFloodFailsAsStreamError(t, srv.URL)
	// What the server wrote includes what the kernel buffered for a reader that stopped.
	if w := written.Load(); w > MaxBodyBytes+16<<20 {
		t.Errorf("the server wrote %d bytes, the cap is %d", w, MaxBodyBytes)
	}
	if ev := a.series["probe_sse_events"]; ev > MaxBodyBytes/9+1 {
		t.Errorf("%v events counted past the %d-byte cap", ev, MaxBodyBytes)
	}
}

// TestProbeRefusesHugeHeaders: 1 MiB of response header is no response.
func TestProbeRefusesHugeHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("h", 1<<20))
		upstream(t).Config.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	a := probeWith(t, loopbackHandler(moduleFunc(streamModule(time.Second))), srv.URL)
	if a.status != http.StatusOK {
		t.Fatalf("/probe answered %d: %s", a.status, a.body)
	}
	if a.series["probe_success"] != 0 || a.series["probe_sse_failure/"+ReasonConnect] != 1 || a.series["probe_http_status_code"] != 0 {
		t.Errorf("success %v, status %v, failures %v: want no response (connect)", a.series["probe_success"], a.series["probe_http_status_code"], failures(a.series))
	}
}

// TestProbeConcurrencyLimit: with MaxConcurrentProbes probes in flight, one more
// is answered 503 at once instead of opening another connection.
func TestProbeConcurrencyLimit(t *testing.T) {
	arrived := make(chan struct{}, 2*MaxConcurrentProbes)
	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(15 * time.Second):
		}
	}))
	defer stall.Close()
	m := streamModule(time.Second)
	m.Timeout = exporterconfig.Duration(20 * time.Second)
	exp := httptest.NewServer(loopbackHandler(moduleFunc(m)))
	defer exp.Close()
	var wg sync.WaitGroup
	for range MaxConcurrentProbes {
		wg.Go(func() {
			if _, err := tryProbe(exp.URL, stall.URL, 30*time.Second); err != nil {
				t.Error(err)
			}
		})
	}
	for i := range MaxConcurrentProbes {
		select {
		case <-arrived:
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d probes reached the target", i, MaxConcurrentProbes)
		}
	}
	start := time.Now()
	extra := make(chan probeAnswer, 1)
	go func() {
		a, err := tryProbe(exp.URL, stall.URL, 30*time.Second)
		if err != nil {
			t.Error(err)
		}
		extra <- a
	}()
	select {
	case a := <-extra:
		if a.status != http.StatusServiceUnavailable {
			t.Errorf("probe %d answered %d, want 503", MaxConcurrentProbes+1, a.status)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the refusal took %v", d)
		}
	case <-arrived:
		t.Errorf("probe %d reached the target past the limit of %d", MaxConcurrentProbes+1, MaxConcurrentProbes)
	}
	close(release)
	wg.Wait()
}

// TestTimeoutHasACeiling: a module timeout over MaxProbeTimeout is cut to it.
func TestTimeoutHasACeiling(t *testing.T) {
	m := exporterconfig.Module{Timeout: exporterconfig.Duration(time.Hour), TimeoutOffset: exporterconfig.Duration(time.Second)}
	if got, err := Timeout("", m); err != nil || got > exporterconfig.MaxProbeTimeout {
		t.Errorf("Timeout = %v, %v; want at most %v", got, err, exporterconfig.MaxProbeTimeout)
	}
}

// loopbackHandler is the handler as `ssebench run` gets it: the exporter
// listens on loopback, so loopback targets need no allow-list.
func loopbackHandler(modules func(string) (exporterconfig.Module, bool)) http.Handler {
	return Handler(modules, slog.New(slog.DiscardHandler), Options{LoopbackByDefault: true})
}

// TestProbeAllowList: a module's allowed_targets is the whole list (loopback
// included); without one, loopback is allowed only by the option.
func TestProbeAllowList(t *testing.T) {
	up := upstream(t)
	port := strconv.Itoa(up.Listener.Addr().(*net.TCPAddr).Port)
	other := "1"
	if port == other {
		other = "2"
	}
	listed := streamModule(time.Second)
	listed.AllowedTargets = []exporterconfig.HostPort{mustHostPort(t, "127.0.0.1:"+port), mustHostPort(t, "LocalHost.:*")}
	cases := []struct {
		name     string
		m        exporterconfig.Module
		loopback bool
		target   string
		allowed  bool
	}{
		{"listed", listed, false, "http://127.0.0.1:" + port + "/v1/chat/completions", true},
		{"listed name, any port", listed, false, "http://localhost:" + port + "/x", true},
		{"listed host, other port", listed, true, "http://127.0.0.1:" + other + "/", false},
		{"a list replaces the loopback default", listed, true, "http://[::1]:" + port + "/", false},
		{"no list, loopback option off", streamModule(time.Second), false, "http://127.0.0.1:" + port + "/", false},
		{"no list, 127.0.0.2", streamModule(time.Second), true, "http://127.0.0.2:" + other + "/", true},
		{"no list, IPv4-mapped loopback", streamModule(time.Second), true, "http://[::ffff:127.0.0.1]:" + other + "/", true},
		{"no list, private address", streamModule(time.Second), true, "http://10.0.0.1:" + port + "/", false},
		{"no list, decimal-encoded loopback name", streamModule(time.Second), true, "http://2130706433:" + port + "/", false},
		{"no list, metadata address", streamModule(time.Second), true, "http://169.254.169.254/latest/meta-data/", false},
		{"user info", streamModule(time.Second), true, "http://u:p@127.0.0.1:" + port + "/", false},
	}
	for _, tc := range cases {
		u, err := checkTarget(tc.target)
		if err == nil {
			err = tc.m.CheckTarget(u, "m", tc.loopback)
		}
		if (err == nil) != tc.allowed {
			t.Errorf("%s: %s: error %v, want allowed=%v", tc.name, tc.target, err, tc.allowed)
		}
	}
	// Through the handler: refused with 400 and nothing contacted; allowed probes.
	h := Handler(moduleFunc(listed), slog.New(slog.DiscardHandler), Options{})
	if a := probeWith(t, h, "http://127.0.0.1:"+port+"/v1/chat/completions"); a.status != http.StatusOK || a.series["probe_success"] != 1 {
		t.Errorf("listed target: %d %v", a.status, failures(a.series))
	}
	if a := probeWith(t, h, "http://127.0.0.1:"+other+"/"); a.status != http.StatusBadRequest || !strings.Contains(a.body, "allowed_targets") {
		t.Errorf("unlisted target: %d %q", a.status, a.body)
	}
}

func mustHostPort(t *testing.T, s string) exporterconfig.HostPort {
	t.Helper()
	h, err := exporterconfig.ParseHostPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestCappedReaderAtTheCap: a body of exactly MaxBodyBytes ends cleanly; one byte more fails.
func TestCappedReaderAtTheCap(t *testing.T) {
	for _, tc := range []struct {
		size int
		want error
	}{{MaxBodyBytes, nil}, {MaxBodyBytes + 1, errBodyTooLarge}} {
		r := &cappedReader{r: strings.NewReader(strings.Repeat("x", tc.size)), left: MaxBodyBytes}
		n, err := io.Copy(io.Discard, r)
		if err != tc.want || n > MaxBodyBytes {
			t.Errorf("%d bytes: copied %d, error %v; want %v", tc.size, n, err, tc.want)
		}
	}
}
