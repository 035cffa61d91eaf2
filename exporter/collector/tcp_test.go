package collector

import (
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/discovery"
)

// A dual-stack listener takes IPv4 clients as v4-mapped IPv6 sockets: the collector, which
// dumps only the address families its servers listen on, still counts both clients.
func TestTCPCollectorDualStackListener(t *testing.T) {
	l, err := net.Listen("tcp", "[::]:0")
	if err != nil {
		t.Skipf("no IPv6 listener on this machine: %v", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	for _, addr := range []string{"127.0.0.1", "::1"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(addr, strconv.Itoa(port)), 5*time.Second)
		if err != nil {
			t.Skipf("cannot reach the dual-stack listener over %s: %v", addr, err)
		}
		defer c.Close()
	}
	self, err := discovery.NewFinder("/proc")
	if err != nil {
		t.Fatal(err)
	}
	id, err := self.Identity(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	scrape := &Scrape{Targets: []Target{{Server: "dual", State: discovery.State{ID: id, Ports: []int{port}}}}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := tcpCounts(t, NewTCPCollector("/proc"), scrape)
		if got["established"] == 2 && got["listen"] == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts %v, want 1 listen and 2 established (one IPv4 client, one IPv6)", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tcpCounts(t *testing.T, c *TCPCollector, s *Scrape) map[string]float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 64)
	if err := c.Update(s, ch); err != nil {
		t.Fatal(err)
	}
	close(ch)
	var metrics []prometheus.Metric
	for m := range ch {
		metrics = append(metrics, m)
	}
	text, err := gatherText(constCollector(metrics))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for key, v := range parseSamples(t, text) {
		for _, st := range tcpStates {
			if st != "" && key == "ssebench_server_tcp_connections{server=dual,state="+st+"}" {
				out[st] = v
			}
		}
	}
	return out
}

// constCollector serves metrics already made.
type constCollector []prometheus.Metric

func (c constCollector) Describe(chan<- *prometheus.Desc) {}

func (c constCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c {
		ch <- m
	}
}
