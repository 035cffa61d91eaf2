package cputime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// attachCgroupV2 moves pid into a group made under its own v2 group — the one place an
// unprivileged user may write in when systemd delegated the subtree — where cpu.stat's
// usage_usec counts the microseconds of everything in the group.
func attachCgroupV2(o Options, name string, pid int) (source, error) {
	root, err := v2Root(o.CgroupRoot)
	if err != nil {
		return nil, err
	}
	m, err := readMembership(o.ProcRoot, pid)
	if err != nil {
		return nil, err
	}
	if !m.InV2 || outsideNamespace(m.V2) {
		return nil, fmt.Errorf("cputime: pid %d: no cgroup v2 group visible in %s/%d/cgroup (%q)", pid, o.ProcRoot, pid, m.V2)
	}
	home := filepath.Join(root, m.V2)
	return attachCgroup(&cgroupSource{
		kind:      SourceCgroupV2,
		dir:       filepath.Join(home, groupParent, groupName(name, pid)),
		home:      home,
		usageFile: "cpu.stat",
		parse:     parseCPUStatUsage,
		res:       time.Microsecond,
	}, o.ProcRoot, pid)
}

// v2Root finds the cgroup2 mount: the cgroup root itself (unified mode) or its "unified"
// directory (hybrid mode, beside the v1 hierarchies). Only cgroup2 has cgroup.controllers.
func v2Root(cgroupRoot string) (string, error) {
	for _, dir := range []string{cgroupRoot, filepath.Join(cgroupRoot, "unified")} {
		if _, err := os.Stat(filepath.Join(dir, "cgroup.controllers")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("cputime: no cgroup v2 mount at " + cgroupRoot + " or " + filepath.Join(cgroupRoot, "unified"))
}

func parseCPUStatUsage(data []byte) (time.Duration, error) {
	st, err := ParseCPUStat(data)
	return st.Usage, err
}
