package collector

import (
	"net"
	"strconv"
	"testing"
	"time"
)

func dialPort(t *testing.T, port int) net.Conn {
	t.Helper()
	c, err := dialTCP(port)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func dialTCP(port int) (net.Conn, error) {
	return net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
}
