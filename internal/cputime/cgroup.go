package cputime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/internal/proctree"
)

// groupParent is the directory every group Attach makes sits in, in either version.
const groupParent = "ssebench"

// cgroupSource reads the group Attach made for one process.
type cgroupSource struct {
	kind      string // SourceCgroupV1 or SourceCgroupV2
	dir       string // the group made for the process
	home      string // the group the process came from: Close moves it back there
	usageFile string // cpuacct.usage or cpu.stat
	parse     func([]byte) (time.Duration, error)
	res       time.Duration // the unit of usageFile
}

func (s *cgroupSource) usage() (time.Duration, error) {
	path := filepath.Join(s.dir, s.usageFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("cputime: %w", err)
	}
	d, err := s.parse(data)
	if err != nil {
		return 0, fmt.Errorf("cputime: %s: %w", path, err)
	}
	return d, nil
}

func (s *cgroupSource) resolution() time.Duration { return s.res }
func (s *cgroupSource) name() string              { return s.kind }

// close moves every process left in the group back home, then removes the group and, when
// no other meter's group is in it, the shared parent.
func (s *cgroupSource) close() error {
	moveErr := moveAllBack(s.dir, s.home)
	if err := discardGroup(s.dir); err != nil {
		return errors.Join(moveErr, err)
	}
	return nil
}

// attachCgroup makes the group s describes, checks that the kernel gave it the usage file
// (a directory made outside a cgroup file system has none), and moves pid into it with the
// children it has already started (nginx's workers, forked before the server was ready).
// On any failure nothing of the group is left.
func attachCgroup(s *cgroupSource, procRoot string, pid int) (source, error) {
	if err := makeGroup(s.dir); err != nil {
		return nil, err
	}
	if _, err := s.usage(); err != nil {
		_ = discardGroup(s.dir)
		return nil, err
	}
	if err := moveInto(s.dir, pid); err != nil {
		_ = discardGroup(s.dir)
		return nil, err
	}
	for _, child := range proctree.Descendants(procRoot, pid) {
		// One that exits meanwhile is no error: what it used is gone either way.
		if err := moveInto(s.dir, child); err != nil && !errors.Is(err, syscall.ESRCH) {
			_ = moveAllBack(s.dir, s.home)
			_ = discardGroup(s.dir)
			return nil, err
		}
	}
	return s, nil
}

// makeGroup creates dir and its parents. A group of the same name left by an earlier run
// whose process had the same pid is removed first: its counter is not ours. Another meter
// may remove the shared parent between the two mkdirs, hence the retries.
func makeGroup(dir string) error {
	var err error
	for range 3 {
		if err = os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return fmt.Errorf("cputime: making cgroup %s: %w", filepath.Dir(dir), err)
		}
		err = os.Mkdir(dir, 0o755)
		if errors.Is(err, fs.ErrExist) {
			if rmErr := os.Remove(dir); rmErr != nil {
				return fmt.Errorf("cputime: stale cgroup %s is in use: %w", dir, rmErr)
			}
			err = os.Mkdir(dir, 0o755)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("cputime: making cgroup: %w", err)
	}
	return nil
}

// moveInto writes pid to dir's cgroup.procs: the kernel moves every thread of the process.
func moveInto(dir string, pid int) error {
	path := filepath.Join(dir, "cgroup.procs")
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)), 0); err != nil {
		return fmt.Errorf("cputime: moving pid %d to %s: %w", pid, path, err)
	}
	return nil
}

// moveAllBack moves every process still in dir — the measured one and the children it
// started — to home. One that exits meanwhile is no error.
func moveAllBack(dir, home string) error {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("cputime: %w", err)
	}
	var errs []error
	for _, field := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(field)
		if err != nil {
			continue
		}
		if err := moveInto(home, pid); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// rmdirTries and rmdirPause bound how long removeGroup waits for the kernel to let go of
// processes that have just exited: they can keep the group busy for a moment.
const (
	rmdirTries = 50
	rmdirPause = 20 * time.Millisecond
)

// discardGroup removes the empty group dir and, when no other meter's group is in it, the
// shared parent (whose removal fails otherwise: that is fine).
func discardGroup(dir string) error {
	if err := removeGroup(dir); err != nil {
		return err
	}
	_ = os.Remove(filepath.Dir(dir))
	return nil
}

// removeGroup removes the empty group dir; one already gone is no error.
func removeGroup(dir string) error {
	var err error
	for range rmdirTries {
		err = os.Remove(dir)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			break
		}
		time.Sleep(rmdirPause)
	}
	return fmt.Errorf("cputime: removing cgroup: %w", err)
}

// groupName is the group's directory name: the caller's name, then the pid.
func groupName(name string, pid int) string { return name + "-" + strconv.Itoa(pid) }

// outsideNamespace tells a cgroup path that lies outside the reader's cgroup namespace
// ("/../…", as a process in a container sees the host's groups): joined to a root, it
// would point outside the cgroup file system.
func outsideNamespace(p string) bool {
	return slices.Contains(strings.Split(p, "/"), "..")
}

// readMembership reads /proc/<pid>/cgroup.
func readMembership(procRoot string, pid int) (Membership, error) {
	path := filepath.Join(procRoot, strconv.Itoa(pid), "cgroup")
	data, err := os.ReadFile(path)
	if err != nil {
		return Membership{}, fmt.Errorf("cputime: %w", err)
	}
	m, err := ParseProcCgroup(data)
	if err != nil {
		return Membership{}, fmt.Errorf("cputime: %s: %w", path, err)
	}
	return m, nil
}
