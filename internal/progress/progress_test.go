package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPlainProgressIsThrottledAndReadable(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, false)
	clock := time.Unix(0, 0)
	p.now = func() time.Time { return clock }
	s := Status{Index: 1, Count: 3, Server: "go-http", Scenario: "stress", Elapsed: 10 * time.Second, Total: 70 * time.Second, ReqPerSec: 1423.8, VUs: 120, Failures: 2}
	p.Update(s)
	clock = clock.Add(time.Second)
	p.Update(s) // within plainEvery: dropped
	clock = clock.Add(5 * time.Second)
	p.Update(s)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 throttled lines, got %d:\n%s", len(lines), b.String())
	}
	if strings.Contains(b.String(), "\r") || strings.Contains(b.String(), "\033") {
		t.Fatalf("plain output must not carry terminal control codes: %q", b.String())
	}
	for _, want := range []string{"[1/3]", "go-http", "stress", "1423.8 req/s", "120 VUs", "2 failed", "10.0s/70s"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("status line lacks %q: %s", want, lines[0])
		}
	}
}

func TestTTYProgressRewritesOneLine(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, true)
	p.Update(Status{Index: 1, Count: 1, Server: "a", Scenario: "baseline", Total: time.Second})
	p.Update(Status{Index: 1, Count: 1, Server: "a", Scenario: "baseline", Elapsed: time.Second, Total: time.Second})
	p.Logf("server a done")
	out := b.String()
	if strings.Count(out, "\r\033[K") != 3 {
		t.Fatalf("want two rewrites and one clear, got %q", out)
	}
	if !strings.HasSuffix(out, "server a done\n") {
		t.Fatalf("log line should follow on its own line: %q", out)
	}
}

func TestProgressBarBounds(t *testing.T) {
	if got := progressBar(2*time.Second, time.Second, 4); got != "████" {
		t.Errorf("overfull bar %q", got)
	}
	if got := progressBar(0, 0, 3); got != "···" {
		t.Errorf("unknown total %q", got)
	}
}

func TestRemoteWriteLossShowsOnTheLine(t *testing.T) {
	s := Status{Index: 1, Count: 1, Server: "a", Scenario: "stress", Total: time.Second}
	if strings.Contains(formatStatus(s), "rw dropped") {
		t.Errorf("nothing dropped, yet the line says so: %s", formatStatus(s))
	}
	if line := formatStatus(s.WithDropped(1234)); !strings.HasSuffix(line, "rw dropped 1234") {
		t.Errorf("line %q does not show the 1234 dropped samples", line)
	}
}
