package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestLoadCommandRejectsBadSegmentAndProtocolFlags(t *testing.T) {
	var probed atomic.Int64
	base := []string{"--target", sseTarget(t, &probed).URL, "--scenarios-file", tinyScenarios(t), "--scenario", "tiny", "--testid", "t"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--execution-segment", "2/3:1/3"}, `--execution-segment / --execution-segment-sequence: execution segment "2/3:1/3": 2/3 is not below 1/3`},
		{[]string{"--execution-segment", "0:1/2", "--execution-segment-sequence", "0,1/3,1"}, "0:1/2 is not one of the segments of the sequence 0,1/3,1"},
		{[]string{"--execution-segment-sequence", "0,half,1"}, `"half" is not a fraction`},
		{[]string{"--remote-write-protocol", "3"}, `--remote-write-protocol "3": want 1.0 or 2.0`},
	}
	for _, c := range cases {
		status, _, stderr := runLoad(t, append(base, c.args...)...)
		if status != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, status, stderr, c.want)
		}
	}
	noTestID := []string{"--target", base[1], "--scenarios-file", base[3], "--scenario", "tiny", "--execution-segment", "1/2:1"}
	if status, _, stderr := runLoad(t, noTestID...); status != 2 || !strings.Contains(stderr, "--execution-segment 1/2:1 needs --testid") {
		t.Errorf("a segment without --testid: exit %d, stderr %q; want 2 and a request for --testid", status, stderr)
	}
}

func TestLoadCommandRunsItsSegmentAndSpeaksRemoteWrite1(t *testing.T) {
	var probed atomic.Int64
	target := sseTarget(t, &probed)
	var mu sync.Mutex
	versions := map[string]int{}
	rw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		versions[r.Header.Get("X-Prometheus-Remote-Write-Version")]++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rw.Close()
	// tiny is 2 constant VUs: the first half of 0,1/2,1 runs one of them.
	status, stdout, stderr := runLoad(t, "--target", target.URL, "--scenarios-file", tinyScenarios(t), "--scenario", "tiny",
		"--testid", "t-seg", "--execution-segment", "0:1/2", "--remote-write-url", rw.URL, "--remote-write-protocol", "1.0")
	if status != 0 {
		t.Fatalf("exit %d, stderr %q", status, stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(versions) != 1 || versions["0.1.0"] == 0 {
		t.Errorf("remote-write version headers %v; want only Remote-Write 1.0's 0.1.0", versions)
	}
	if !strings.Contains(stdout, "up to 1 VUs") || !strings.Contains(stdout, "execution segment 0:1/2 of 0,1/2,1") {
		t.Fatalf("stdout %q; want the segment's 1 VU and the segment named", stdout)
	}
}
