package collector

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"

	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/sockdiag"
)

// tcpStates names the kernel's TCP states by their number in /proc/net/tcp.
var tcpStates = [...]string{
	1: "established", 2: "syn_sent", 3: "syn_recv", 4: "fin_wait1", 5: "fin_wait2",
	6: "time_wait", 7: "close", 8: "close_wait", 9: "last_ack", 10: "listen", 11: "closing",
}

var tcpDesc = prometheus.NewDesc(metricname.ServerTCPConnections,
	"TCP sockets on the server's listening ports, by state, in the server's own network namespace.",
	[]string{"server", "state"}, nil)

// TCPCollector counts sockets whose local port is one the server listens on, in the
// server's own network namespace: through netlink sock_diag when that is the exporter's
// namespace, else from /proc/<pid>/net/tcp and tcp6.
type TCPCollector struct {
	root     string
	ownNetNS string // the exporter's network namespace link, "" when root is not the live /proc
}

// NewTCPCollector reads under root (normally /proc).
func NewTCPCollector(root string) *TCPCollector {
	own, err := os.Readlink(filepath.Join(root, "self", "ns", "net"))
	if err != nil {
		own = ""
	}
	return &TCPCollector{root: root, ownNetNS: own}
}

func (c *TCPCollector) Name() string { return "tcp" }

func (c *TCPCollector) Describe(ch chan<- *prometheus.Desc) { ch <- tcpDesc }

func (c *TCPCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	// One read per network namespace per scrape, for the ports of all its servers.
	type netns struct {
		dir   string // a /proc/<pid> in the namespace, for the file fallback
		ports []int
	}
	spaces := map[string]*netns{}
	nsOf := make([]string, len(s.Targets))
	for i, t := range s.Targets {
		if !t.State.ID.Valid() || len(t.State.Ports) == 0 {
			continue
		}
		dir := filepath.Join(c.root, strconv.Itoa(t.State.ID.PID))
		ns, err := os.Readlink(filepath.Join(dir, "ns", "net"))
		if err != nil {
			ns = "pid:" + strconv.Itoa(t.State.ID.PID) // unreadable namespace link: do not share
		}
		nsOf[i] = ns
		if spaces[ns] == nil {
			spaces[ns] = &netns{dir: dir}
		}
		for _, p := range t.State.Ports {
			if !hasPort(spaces[ns].ports, p) {
				spaces[ns].ports = append(spaces[ns].ports, p)
			}
		}
	}
	tables := map[string][]sockdiag.Socket{}
	for ns, space := range spaces {
		var table []sockdiag.Socket
		var err error
		if ns == c.ownNetNS {
			table, err = connections(space.ports)
		} else {
			table, err = procTCPSockets(space.dir)
		}
		if err != nil {
			if !isNotExist(err) {
				s.Partial(err)
			}
			continue
		}
		tables[ns] = table
	}
	for i, t := range s.Targets {
		table, ok := tables[nsOf[i]]
		if nsOf[i] == "" || !ok {
			continue
		}
		var counts [len(tcpStates)]int
		for _, so := range table {
			if int(so.State) < len(counts) && hasPort(t.State.Ports, int(so.LocalPort)) {
				counts[so.State]++
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

// procTCPSockets reads <dir>/net/tcp and tcp6, which show the namespace of the process dir names.
func procTCPSockets(dir string) ([]sockdiag.Socket, error) {
	fs, err := procfs.NewFS(dir)
	if err != nil {
		return nil, err
	}
	lines, err := fs.NetTCP()
	if err != nil {
		return nil, err
	}
	if v6, err := fs.NetTCP6(); err == nil {
		lines = append(lines, v6...)
	} else if !isNotExist(err) {
		return nil, err
	}
	out := make([]sockdiag.Socket, 0, len(lines))
	for _, l := range lines {
		out = append(out, sockdiag.Socket{LocalPort: uint16(l.LocalPort), State: uint8(l.St), Inode: l.Inode})
	}
	return out, nil
}

func hasPort(ports []int, p int) bool {
	for _, q := range ports {
		if q == p {
			return true
		}
	}
	return false
}

// connections dumps the sockets on ports in the exporter's own namespace: first the
// listeners (cheap), then every state for only the address families they use.
func connections(ports []int) ([]sockdiag.Socket, error) {
	listeners, err := sockdiag.TCP(ports, sockdiag.ListenOnly)
	if err != nil || len(listeners) == 0 {
		return listeners, err
	}
	var families []uint8
	for _, l := range listeners {
		if !slices.Contains(families, l.Family) {
			families = append(families, l.Family)
		}
	}
	return sockdiag.TCPFamilies(ports, sockdiag.AllStates, families)
}
