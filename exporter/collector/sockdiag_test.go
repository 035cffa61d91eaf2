package collector

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/sockdiag"
	"github.com/ssebench/ssebench/internal/testchild"
)

// The netlink dump with its kernel-side port filter sees the same sockets as
// /proc/<pid>/net/tcp filtered here, for several ports at once.
func TestSockDiagAgreesWithProcNetTCP(t *testing.T) {
	a := testchild.Start(t, "listen", "diag-a", "x")
	b := testchild.Start(t, "listen", "diag-b", "x")
	ports := []int{a.Port(t), b.Port(t)}
	for _, p := range ports {
		c := dialPort(t, p)
		defer c.Close()
	}
	dir := fmt.Sprintf("/proc/%d", a.PID)
	deadline := time.Now().Add(10 * time.Second)
	for {
		fromDiag, err := sockdiag.TCP(ports, sockdiag.AllStates)
		if err != nil {
			t.Fatal(err)
		}
		fromFile, err := procTCPSockets(dir)
		if err != nil {
			t.Fatal(err)
		}
		d, f := summary(fromDiag, ports), summary(fromFile, ports)
		// The kernel filter must leave out every other socket of the namespace.
		if len(fromDiag) == 4 && d == f {
			return // each port: one listening socket and one accepted connection
		}
		if time.Now().After(deadline) {
			t.Fatalf("sock_diag %v (%d sockets) vs /proc %v; want 2 listen + 2 established on %v", d, len(fromDiag), f, ports)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// summary renders the sockets on ports as sorted "port/state" words.
func summary(socks []sockdiag.Socket, ports []int) string {
	var words []string
	for _, s := range socks {
		if hasPort(ports, int(s.LocalPort)) {
			words = append(words, fmt.Sprintf("%d/%s", s.LocalPort, tcpStates[s.State]))
		}
	}
	sort.Strings(words)
	return fmt.Sprint(words)
}
