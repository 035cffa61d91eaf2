package collector

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"
)

// tcpStates names the kernel's TCP states by their number in /proc/net/tcp.
var tcpStates = [...]string{
	1: "established", 2: "syn_sent", 3: "syn_recv", 4: "fin_wait1", 5: "fin_wait2",
	6: "time_wait", 7: "close", 8: "close_wait", 9: "last_ack", 10: "listen", 11: "closing",
}

var tcpDesc = prometheus.NewDesc(namespace+"_server_tcp_connections",
	"TCP sockets on the server's listening ports, by state, in the server's own network namespace.",
	[]string{"server", "state"}, nil)

// TCPCollector counts sockets whose local port is one the server listens on, read from
// /proc/<pid>/net/tcp and tcp6 so that a server in its own network namespace is seen there.
type TCPCollector struct {
	root string
}

// NewTCPCollector reads under root (normally /proc).
func NewTCPCollector(root string) *TCPCollector { return &TCPCollector{root: root} }

func (c *TCPCollector) Name() string { return "tcp" }

func (c *TCPCollector) Describe(ch chan<- *prometheus.Desc) { ch <- tcpDesc }

func (c *TCPCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	tables := map[string]procfs.NetTCP{} // one read per network namespace per scrape
	for _, t := range s.Targets {
		if !t.State.ID.Valid() || len(t.State.Ports) == 0 {
			continue
		}
		table, err := c.table(tables, t.State.ID.PID)
		if err != nil {
			if !isNotExist(err) {
				s.Partial(err)
			}
			continue
		}
		var counts [len(tcpStates)]int
		for _, l := range table {
			if l.St < uint64(len(counts)) && hasPort(t.State.Ports, int(l.LocalPort)) {
				counts[l.St]++
			}
		}
		for st, name := range tcpStates {
			if name != "" {
				ch <- prometheus.MustNewConstMetric(tcpDesc, prometheus.GaugeValue, float64(counts[st]), t.Server, name)
			}
		}
	}
	return nil
}

// table returns the TCP sockets (v4 and v6) of pid's network namespace.
func (c *TCPCollector) table(cache map[string]procfs.NetTCP, pid int) (procfs.NetTCP, error) {
	dir := filepath.Join(c.root, strconv.Itoa(pid))
	ns, err := os.Readlink(filepath.Join(dir, "ns", "net"))
	if err != nil {
		ns = "pid:" + strconv.Itoa(pid) // unreadable namespace link: do not share the table
	}
	if table, ok := cache[ns]; ok {
		return table, nil
	}
	fs, err := procfs.NewFS(dir)
	if err != nil {
		return nil, err
	}
	table, err := fs.NetTCP()
	if err != nil {
		return nil, err
	}
	if v6, err := fs.NetTCP6(); err == nil {
		table = append(table, v6...)
	} else if !isNotExist(err) {
		return nil, err
	}
	cache[ns] = table
	return table, nil
}

func hasPort(ports []int, p int) bool {
	for _, q := range ports {
		if q == p {
			return true
		}
	}
	return false
}
