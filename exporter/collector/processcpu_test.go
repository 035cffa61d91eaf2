package collector

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/cputime"
	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/testchild"
)

// cpuOf is a server's user and system CPU seconds in a scrape.
func cpuOf(t *testing.T, s samples, server string) (user, system float64) {
	t.Helper()
	return s.get(t, "ssebench_process_cpu_seconds_total{mode=user,server="+server+"}"),
		s.get(t, "ssebench_process_cpu_seconds_total{mode=system,server="+server+"}")
}

func writeFixture(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// go-gin sits in a cgroup v1 cpuacct group ssebench made: its CPU is the group's exact
// cpuacct.usage, split in the proportion of usage_user and usage_sys, never the ticks of
// its stat; the counters never fall, not when the sampled proportion swings, not when the
// process leaves the group, and a group that cannot be read falls back to the ticks.
func TestProcessCPUFromOwnCgroup(t *testing.T) {
	dir := t.TempDir()
	procRoot, cgroupRoot := filepath.Join(dir, "proc"), filepath.Join(dir, "cgroup")
	copyTree(t, "testdata/proc", procRoot)
	copyTree(t, fixtureCgroups, cgroupRoot)
	target, err := exporterconfig.ParseTargetFlag("go-gin:comm=go-gin")
	if err != nil {
		t.Fatal(err)
	}
	e := newTestExporter(t, procRoot, []exporterconfig.Target{target}, WithCgroupRoot(cgroupRoot))
	group := filepath.Join(cgroupRoot, "cpuacct", "ssebench", "go-gin-500")
	scrape := func() (user, system float64) {
		t.Helper()
		s := parseSamples(t, scrapeText(t, e))
		if v := s.get(t, "ssebench_exporter_collector_success{collector=process}"); v != 1 {
			t.Fatalf("process collector success = %v", v)
		}
		return cpuOf(t, s, "go-gin")
	}

	// stat says 12.00 + 3.00 s in ticks; the group 15.023456789 s in all.
	user, system := scrape()
	if user != 12.020767225 || system != 3.002689564 {
		t.Fatalf("first scrape: user %v, system %v; want the group's 15.023456789 s split 12.01:3.00", user, system)
	}

	// 1 s more, and the samples now say all of it was system time: user holds, the sum is exact.
	writeFixture(t, filepath.Join(group, "cpuacct.usage"), "16023456789\n")
	writeFixture(t, filepath.Join(group, "cpuacct.usage_user"), "12010000000\n")
	writeFixture(t, filepath.Join(group, "cpuacct.usage_sys"), "6000000000\n")
	u2, s2 := scrape()
	if u2 < user || s2 < system || math.Abs(u2+s2-16.023456789) > 1e-9 {
		t.Errorf("second scrape: user %v, system %v; want neither lower than %v, %v and 16.023456789 s in all", u2, s2, user, system)
	}

	// The process leaves its group (Close moved it back): the counters carry on from where
	// they were instead of dropping to the stat's 15.00 s; from then on they move by ticks.
	writeFixture(t, filepath.Join(procRoot, "500", "cgroup"), "3:cpu,cpuacct:/\n0::/\n")
	u3, s3 := scrape()
	if u3 != u2 || s3 != s2 {
		t.Errorf("after leaving the group: user %v, system %v; want them unchanged at %v, %v", u3, s3, u2, s2)
	}
	stat, err := os.ReadFile(filepath.Join(procRoot, "500", "stat"))
	if err != nil {
		t.Fatal(err)
	}
	writeFixture(t, filepath.Join(procRoot, "500", "stat"), strings.Replace(string(stat), " 1200 300 ", " 1250 310 ", 1))
	u4, s4 := scrape()
	if math.Abs(u4-u3-0.5) > 1e-9 || math.Abs(s4-s3-0.1) > 1e-9 {
		t.Errorf("ticks after leaving: user +%v, system +%v; want +0.5, +0.1", u4-u3, s4-s3)
	}

	// A group named in /proc/<pid>/cgroup that cannot be seen here (another cgroup
	// namespace, say) is no error: a fresh exporter reads the ticks.
	writeFixture(t, filepath.Join(procRoot, "500", "cgroup"), "3:cpu,cpuacct:/ssebench/go-gin-500-elsewhere\n")
	e = newTestExporter(t, procRoot, []exporterconfig.Target{target}, WithCgroupRoot(cgroupRoot))
	if u, s := scrape(); u != 12.5 || s != 3.1 {
		t.Errorf("unreadable group: user %v, system %v; want the ticks' 12.5, 3.1", u, s)
	}
}

// A process first seen outside its group (scraped before ssebench moved it) keeps its
// tick counters when it enters, and from then on they grow by the group's exact time.
func TestProcessCPUEnteringGroupCarriesOn(t *testing.T) {
	dir := t.TempDir()
	procRoot, cgroupRoot := filepath.Join(dir, "proc"), filepath.Join(dir, "cgroup")
	copyTree(t, "testdata/proc", procRoot)
	copyTree(t, fixtureCgroups, cgroupRoot)
	membership := filepath.Join(procRoot, "500", "cgroup")
	inGroup, err := os.ReadFile(membership)
	if err != nil {
		t.Fatal(err)
	}
	writeFixture(t, membership, "3:cpu,cpuacct:/\n0::/\n")
	target, err := exporterconfig.ParseTargetFlag("go-gin:comm=go-gin")
	if err != nil {
		t.Fatal(err)
	}
	e := newTestExporter(t, procRoot, []exporterconfig.Target{target}, WithCgroupRoot(cgroupRoot))
	scrape := func() (float64, float64) { t.Helper(); return cpuOf(t, parseSamples(t, scrapeText(t, e)), "go-gin") }

	if u, s := scrape(); u != 12 || s != 3 {
		t.Fatalf("before the move: user %v, system %v; want the ticks' 12, 3", u, s)
	}
	writeFixture(t, membership, string(inGroup))
	if u, s := scrape(); u != 12 || s != 3 {
		t.Errorf("entering the group: user %v, system %v; want them unchanged at 12, 3", u, s)
	}
	group := filepath.Join(cgroupRoot, "cpuacct", "ssebench", "go-gin-500")
	writeFixture(t, filepath.Join(group, "cpuacct.usage"), "15523456789\n") // +0.5 s
	if u, s := scrape(); math.Abs(u+s-15.5) > 1e-9 {
		t.Errorf("in the group: user %v + system %v; want 15 s + the group's 0.5 s", u, s)
	}
}

// A live child moved into a real cgroup by internal/cputime: the exporter's figure is the
// meter's, to the nanosecond, between a reading just before the scrape and one just after.
func TestLiveChildInOwnCgroup(t *testing.T) {
	child := testchild.Start(t, "burn", "cgroup", "0.3:0")
	m, err := cputime.Attach("exporter-test", child.PID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	if m.Source() != cputime.SourceCgroupV1 && m.Source() != cputime.SourceCgroupV2 {
		t.Skipf("no cgroup could be made here (uid %d): the meter reads %s", os.Getuid(), m.Source())
	}
	child.WaitLine(t, "burned", 60*time.Second)
	e := newTestExporter(t, "/proc", []exporterconfig.Target{pidfileTarget(t, "c", child.PID)})
	before, err := m.Usage()
	if err != nil {
		t.Fatal(err)
	}
	user, system := cpuOf(t, parseSamples(t, scrapeText(t, e)), "c")
	after, err := m.Usage()
	if err != nil {
		t.Fatal(err)
	}
	got := time.Duration(math.Round((user + system) * 1e9))
	t.Logf("%s: meter %v … %v, exporter %v (user %.9f, system %.9f)", m.Source(), before, after, got, user, system)
	if slack := time.Microsecond; got < before-slack || got > after+slack {
		t.Errorf("exporter %v outside the meter's %v … %v", got, before, after)
	}
}
