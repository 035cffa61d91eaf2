package sockdiag

import (
	"net"
	"testing"
)

func TestListenOnlyFindsTheListenerAndNotItsConnections(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	port := l.Addr().(*net.TCPAddr).Port
	listeners, err := TCP([]int{port}, ListenOnly)
	if err != nil {
		t.Fatal(err)
	}
	if len(listeners) != 1 || listeners[0].State != 10 || listeners[0].Inode == 0 || int(listeners[0].LocalPort) != port {
		t.Errorf("listen-only dump on %d: %+v, want one listener with an inode", port, listeners)
	}
	all, err := TCP([]int{port}, AllStates)
	if err != nil {
		t.Fatal(err)
	}
	// The listener and the accepted end; the client's end has another local port.
	if len(all) != 2 {
		t.Errorf("all-states dump on %d: %+v, want the listener and the accepted connection", port, all)
	}
}

func BenchmarkTCPAllStates(b *testing.B) {
	for b.Loop() {
		if _, err := TCP([]int{1}, AllStates); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTCPListenOnly(b *testing.B) {
	for b.Loop() {
		if _, err := TCP([]int{1}, ListenOnly); err != nil {
			b.Fatal(err)
		}
	}
}
