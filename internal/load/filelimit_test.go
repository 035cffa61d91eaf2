package load

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestFileLimitErrorNamesTheNumbersAndTheWayOut(t *testing.T) {
	if err := fileLimitError(900, 60, 1024); err != nil {
		t.Errorf("960 connections + 64 in a limit of 1024: %v, want none", err)
	}
	err := fileLimitError(900, 61, 1024)
	if err == nil {
		t.Fatal("961 connections + 64 in a limit of 1024: no error")
	}
	for _, want := range []string{"961 connections", "900 VUs + 61 misbehaving clients", "needs 1025 open files", "only 1024",
		"RLIMIT_NOFILE", "ulimit -n 1025", "/etc/security/limits.conf"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// Run refuses, before it starts, a scenario asking for more VUs than the process may open files.
func TestRunRefusesMoreConnectionsThanTheFileLimit(t *testing.T) {
	limit, ok := openFileLimit()
	if !ok || limit > 1<<24 {
		t.Skipf("no usable open-file limit here (%d, %v)", limit, ok)
	}
	srv := streamServer(t)
	_, err := Run(t.Context(), Options{Target: srv.URL, Registry: prometheus.NewRegistry(),
		Scenario: ConstantVUs{VUs: int(limit), Duration: time.Hour}})
	if err == nil || !strings.Contains(err.Error(), "ulimit -n") {
		t.Fatalf("a run of %d VUs in a limit of %d files: error %v, want the limit named", limit, limit, err)
	}
	// The slow readers and the cancelling clients' bound count too.
	sc := ConstantArrivalRate{Rate: 10, TimeUnit: time.Second, Duration: time.Second, PreAllocatedVUs: 1, MaxVUs: int(limit) / 2}
	c := Clients{Cancel: &CancelClients{Share: 0.5}, SlowReaders: &SlowReaders{Count: int(limit) / 2}}
	if err := CheckFileLimit(sc, nil, c); err == nil || !strings.Contains(err.Error(), "misbehaving clients") {
		t.Errorf("%d VUs, %d slow readers and %d cancelling clients in a limit of %d: error %v", sc.MaxVUs, c.SlowReaders.Count,
			cancelBound(sc.MaxVUs, 0.5), limit, err)
	}
	if err := CheckFileLimit(sc, nil, Clients{}); err != nil {
		t.Errorf("%d VUs alone in a limit of %d: %v", sc.MaxVUs, limit, err)
	}
}
