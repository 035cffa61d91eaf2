package cputime

import (
	"errors"
	"io/fs"
	"math/bits"
	"os"
	"path"
	"path/filepath"
	"time"
)

// GroupCPU is what the group Attach made for a process has used.
type GroupCPU struct {
	Dir    string        // the group's directory
	Source string        // SourceCgroupV1 or SourceCgroupV2
	Total  time.Duration // exact: 1 ns (v1) or 1 µs (v2)
	// User and System are the kernel's split of the time. On v2 they add up to Total; on
	// v1 cpuacct.usage_user and usage_sys come from tick samples and do not, so use them
	// only as a proportion (Split.Advance).
	User, System time.Duration
}

// OwnGroupCPU reads the CPU of the group that Attach made for pid, when pid is in one (a
// group named ssebench/<name>-<pid>, in v1 cpuacct or in v2). found is false when it is
// not, or when the group cannot be seen from here (another cgroup namespace), and the
// caller then falls back to /proc; err is any other failed read.
func (o Options) OwnGroupCPU(pid int) (cpu GroupCPU, found bool, err error) {
	o = o.withDefaults()
	m, err := readMembership(o.ProcRoot, pid)
	if err != nil {
		return GroupCPU{}, false, ignoreNotExist(err)
	}
	if p, ok := m.V1["cpuacct"]; ok && isOwnGroup(p) {
		cpu, err = readCpuacctGroup(filepath.Join(o.CgroupRoot, "cpuacct", p))
	} else if m.InV2 && isOwnGroup(m.V2) {
		cpu, err = readV2Group(o.CgroupRoot, m.V2)
	} else {
		return GroupCPU{}, false, nil
	}
	if err != nil {
		return GroupCPU{}, false, ignoreNotExist(err)
	}
	return cpu, true, nil
}

// isOwnGroup tells a group Attach made (…/ssebench/<name>-<pid>) from any other.
func isOwnGroup(p string) bool {
	return path.Base(path.Dir(p)) == groupParent && !outsideNamespace(p)
}

func readCpuacctGroup(dir string) (GroupCPU, error) {
	cpu := GroupCPU{Dir: dir, Source: SourceCgroupV1}
	for _, f := range []struct {
		file string
		dst  *time.Duration
	}{{"cpuacct.usage", &cpu.Total}, {"cpuacct.usage_user", &cpu.User}, {"cpuacct.usage_sys", &cpu.System}} {
		data, err := os.ReadFile(filepath.Join(dir, f.file))
		if err != nil {
			return GroupCPU{}, err
		}
		if *f.dst, err = ParseCpuacctUsage(data); err != nil {
			return GroupCPU{}, errors.New(filepath.Join(dir, f.file) + ": " + err.Error())
		}
	}
	return cpu, nil
}

func readV2Group(cgroupRoot, groupPath string) (GroupCPU, error) {
	root, err := v2Root(cgroupRoot)
	if err != nil {
		return GroupCPU{}, fs.ErrNotExist
	}
	dir := filepath.Join(root, groupPath)
	data, err := os.ReadFile(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return GroupCPU{}, err
	}
	st, err := ParseCPUStat(data)
	if err != nil {
		return GroupCPU{}, errors.New(filepath.Join(dir, "cpu.stat") + ": " + err.Error())
	}
	return GroupCPU{Dir: dir, Source: SourceCgroupV2, Total: st.Usage, User: st.User, System: st.System}, nil
}

// ignoreNotExist drops the errors that mean "no group to read": a file or process gone.
func ignoreNotExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNoProcess) {
		return nil
	}
	return err
}

// Split is a CPU total divided between user and system. Counters exported from it must
// never go down, which scaling each reading afresh cannot promise; Advance keeps the
// previous split as a floor, as the kernel's cputime_adjust does for /proc and cgroup v2.
type Split struct {
	User, System time.Duration
}

// Advance divides total in the proportion user:system (a sampled split, such as v1's
// usage_user and usage_sys) so that the parts add up to total and neither falls below p's.
// A total that has not grown keeps p.
func (p Split) Advance(total, user, system time.Duration) Split {
	if total <= p.User+p.System {
		return p
	}
	sys := scale(total, system, user+system)
	sys = max(sys, p.System)
	usr := total - sys
	if usr < p.User {
		usr = p.User
		sys = total - usr
	}
	return Split{User: usr, System: sys}
}

// scale is total·part/whole without overflow; with no samples at all the time counts as
// user time, as in the kernel.
func scale(total, part, whole time.Duration) time.Duration {
	if whole <= 0 || part <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(total), uint64(min(part, whole)))
	q, _ := bits.Div64(hi, lo, uint64(whole))
	return time.Duration(q)
}
