package stub

import (
	"context"
	"io"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/metricname"
)

// longStream lasts about 10 s: far longer than any test waits, so only a cancel ends it early.
var longStream = map[string]string{HeaderTokens: "1000", HeaderInterTokenDelay: "10ms", HeaderTimeToFirstToken: "0s"}

func withCancelAt(headers map[string]string, at time.Time) map[string]string {
	h := map[string]string{HeaderCancelAt: strconv.FormatInt(at.UnixNano(), 10)}
	for k, v := range headers {
		h[k] = v
	}
	return h
}

// histogram reads a histogram's sample count and sum from the stub's registry.
func (s *testStub) histogram(t testing.TB, name string) (count uint64, sum float64) {
	t.Helper()
	families, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			h := f.GetMetric()[0].GetHistogram()
			return h.GetSampleCount(), h.GetSampleSum()
		}
	}
	t.Fatalf("histogram %s not registered", name)
	return 0, 0
}

// readUntilClosed reads the body until the client's own deadline closes the connection.
func readUntilClosed(t *testing.T, s *testStub, ctx context.Context, headers map[string]string) {
	t.Helper()
	resp := s.post(t, ctx, chatBody, headers)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err == nil {
		t.Fatal("the stream ended before the client closed it")
	}
}

func TestCancelPropagationTimesTheClientsClose(t *testing.T) {
	s := startStub(t, DefaultConfig())
	cancelAt := time.Now().Add(150 * time.Millisecond)
	// The deadline makes the transport close the connection at cancelAt, as a cancelling
	// client does; the stub notices the closed socket on its own.
	ctx, cancel := context.WithDeadline(t.Context(), cancelAt)
	defer cancel()
	readUntilClosed(t, s, ctx, withCancelAt(longStream, cancelAt))

	eventually(t, 5*time.Second, "the aborted stream observed", func() bool {
		n, _ := s.histogram(t, metricname.StubCancelPropagation)
		return n == 1
	})
	_, sum := s.histogram(t, metricname.StubCancelPropagation)
	t.Logf("cancel propagation, client → stub directly: %.3f ms", sum*1e3)
	// Loopback with no proxy: a millisecond or so; the bound leaves room for a loaded machine.
	if sum <= 0 || sum > 0.5 {
		t.Errorf("propagation %v s, want a small positive time", sum)
	}
	if got := s.metric(t, metricname.StubCancelsMissed); got != 0 {
		t.Errorf("missed %v, want 0", got)
	}
}

func TestAbortBeforeThePlannedCloseIsObservedAsZero(t *testing.T) {
	s := startStub(t, DefaultConfig())
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	readUntilClosed(t, s, ctx, withCancelAt(longStream, time.Now().Add(time.Hour)))

	eventually(t, 5*time.Second, "the early abort observed", func() bool {
		n, _ := s.histogram(t, metricname.StubCancelPropagation)
		return n == 1
	})
	if _, sum := s.histogram(t, metricname.StubCancelPropagation); sum != 0 {
		t.Errorf("sum %v, want 0 for an abort before the planned close", sum)
	}
}

func TestStreamCompletedAfterCancelAtCountsAsMissed(t *testing.T) {
	s := startStub(t, DefaultConfig())
	// ~100 ms of stream, the planned close 20 ms in: this client stays and reads to the end,
	// as if a proxy had kept the stream running after its client left.
	shape := map[string]string{HeaderTokens: "10", HeaderInterTokenDelay: "10ms", HeaderTimeToFirstToken: "0s"}
	resp := s.post(t, t.Context(), chatBody, withCancelAt(shape, time.Now().Add(20*time.Millisecond)))
	events, err := readEvents(resp.Body)
	resp.Body.Close()
	if err != nil || len(events) != 13 {
		t.Fatalf("%d events, %v: want the whole stream", len(events), err)
	}
	eventually(t, 5*time.Second, "the missed cancel counted", func() bool {
		return s.metric(t, metricname.StubCancelsMissed) == 1
	})
	if n, _ := s.histogram(t, metricname.StubCancelPropagation); n != 0 {
		t.Errorf("%d propagation samples for a completed stream", n)
	}
}

func TestStreamCompletedBeforeCancelAtCountsInNeither(t *testing.T) {
	s := startStub(t, zeroDelay())
	resp := s.post(t, t.Context(), chatBody, withCancelAt(nil, time.Now().Add(time.Hour)))
	_, err := readEvents(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the stream completed", func() bool {
		return s.metric(t, metricname.StubStreamsCompleted) == 1
	})
	if got := s.metric(t, metricname.StubCancelsMissed); got != 0 {
		t.Errorf("missed %v, want 0", got)
	}
	if n, _ := s.histogram(t, metricname.StubCancelPropagation); n != 0 {
		t.Errorf("%d propagation samples, want 0", n)
	}
}

func TestRegisteredMetricsAreMetricnameStub(t *testing.T) {
	s := startStub(t, zeroDelay())
	resp := s.post(t, t.Context(), chatBody, nil) // so that requests_total has a series to show
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	families, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range families {
		got = append(got, f.GetName())
	}
	want := slices.Clone(metricname.Stub)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("registered %v,\nmetricname.Stub lists %v", got, want)
	}
}
