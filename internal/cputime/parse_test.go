package cputime

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseCpuacctUsage(t *testing.T) {
	got, err := ParseCpuacctUsage([]byte("1055737902\n"))
	if err != nil || got != 1055737902*time.Nanosecond {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "12 34\n", "-5\n", "99999999999999999999\n"} {
		if _, err := ParseCpuacctUsage([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseCPUStat(t *testing.T) {
	// A v2 group without the cpu controller: the core's usage lines only.
	plain := "usage_usec 140102\nuser_usec 84897\nsystem_usec 55204\nnice_usec 0\n"
	// With the cpu controller: throttling lines too.
	full := "usage_usec 5000001\nuser_usec 4000000\nsystem_usec 1000001\ncore_sched.force_idle_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n"
	for _, c := range []struct {
		text string
		want CPUStat
	}{
		{plain, CPUStat{Usage: 140102 * time.Microsecond, User: 84897 * time.Microsecond, System: 55204 * time.Microsecond}},
		{full, CPUStat{Usage: 5000001 * time.Microsecond, User: 4 * time.Second, System: 1000001 * time.Microsecond}},
	} {
		got, err := ParseCPUStat([]byte(c.text))
		if err != nil || got != c.want {
			t.Errorf("%q: got %+v, %v; want %+v", c.text, got, err, c.want)
		}
	}
	for _, bad := range []string{"user_usec 5\n", "usage_usec x\n", ""} {
		if _, err := ParseCPUStat([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// statLine is a /proc/<pid>/stat line with the given name, times and start time.
func statLine(pid, comm string, utime, stime, cutime, cstime, start int) string {
	f := strings.Fields("S 1 100 100 0 -1 4194560 1200 0 3 0")
	f = append(f, strconv.Itoa(utime), strconv.Itoa(stime), strconv.Itoa(cutime), strconv.Itoa(cstime), "20", "0", "7", "0", strconv.Itoa(start))
	f = append(f, strings.Fields("734003200 5120 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0")...)
	return pid + " (" + comm + ") " + strings.Join(f, " ") + "\n"
}

func TestParseProcStat(t *testing.T) {
	for _, comm := range []string{"go-http", "a b", "x) (y", "(", ")) 1 2 3 4"} {
		got, err := ParseProcStat([]byte(statLine("42", comm, 1234, 567, 89, 10, 500000)))
		want := ProcStat{Comm: comm, UTime: 1234, STime: 567, CUTime: 89, CSTime: 10, StartTime: 500000}
		if err != nil || got != want {
			t.Errorf("comm %q: got %+v, %v; want %+v", comm, got, err, want)
		}
		if got.Ticks() != 1234+567+89+10 {
			t.Errorf("ticks = %d", got.Ticks())
		}
	}
	for _, bad := range []string{"", "42 go-http S 1", "42 (go) S 1 2 3", strings.Replace(statLine("1", "x", 1, 2, 3, 4, 5), " 1 2 3 4 ", " 1 -2 3 4 ", 1)} {
		if _, err := ParseProcStat([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseProcCgroup(t *testing.T) {
	hybrid := "9:name=systemd:/\n4:memory:/process_api/3595\n3:cpu,cpuacct:/ssebench/go-http-42\n0::/user.slice/x.scope\n"
	m, err := ParseProcCgroup([]byte(hybrid))
	if err != nil {
		t.Fatal(err)
	}
	if m.V1["cpuacct"] != "/ssebench/go-http-42" || m.V1["cpu"] != "/ssebench/go-http-42" || m.V1["memory"] != "/process_api/3595" || m.V1["name=systemd"] != "/" {
		t.Errorf("v1 = %v", m.V1)
	}
	if !m.InV2 || m.V2 != "/user.slice/x.scope" {
		t.Errorf("v2 = %q, %v", m.V2, m.InV2)
	}
	v1only, err := ParseProcCgroup([]byte("2:cpuacct:/\n"))
	if err != nil || v1only.InV2 {
		t.Errorf("v1 only: %+v, %v", v1only, err)
	}
	// Paths may hold colons.
	if m, err := ParseProcCgroup([]byte("0::/a:b\n")); err != nil || m.V2 != "/a:b" {
		t.Errorf("colon path: %+v, %v", m, err)
	}
	if _, err := ParseProcCgroup([]byte("garbage\n")); err == nil {
		t.Error("garbage parsed")
	}
}
