package cputime

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// attachCgroupV1 moves pid into <root>/cpuacct/ssebench/<name>-<pid>, where cpuacct.usage
// counts the nanoseconds of everything in the group.
func attachCgroupV1(o Options, name string, pid int) (source, error) {
	hierarchy := filepath.Join(o.CgroupRoot, "cpuacct")
	if _, err := os.Stat(filepath.Join(hierarchy, "cpuacct.usage")); err != nil {
		return nil, fmt.Errorf("cputime: no cgroup v1 cpuacct hierarchy at %s: %w", hierarchy, err)
	}
	m, err := readMembership(o.ProcRoot, pid)
	if err != nil {
		return nil, err
	}
	home, ok := m.V1["cpuacct"]
	if !ok || outsideNamespace(home) {
		return nil, fmt.Errorf("cputime: pid %d: no cpuacct group visible in %s/%d/cgroup (%q)", pid, o.ProcRoot, pid, home)
	}
	return attachCgroup(&cgroupSource{
		kind:      SourceCgroupV1,
		dir:       filepath.Join(hierarchy, groupParent, groupName(name, pid)),
		home:      filepath.Join(hierarchy, home),
		usageFile: "cpuacct.usage",
		parse:     ParseCpuacctUsage,
		res:       time.Nanosecond,
	}, o.ProcRoot, pid)
}
