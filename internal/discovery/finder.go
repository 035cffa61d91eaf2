package discovery

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/ssebench/ssebench/internal/exporterconfig"
)

// Finder looks processes up under one proc root (/proc, or a fixture tree in tests).
type Finder struct {
	root string
	self int // the exporter's own PID, never a target: its command line holds every regex

	mu      sync.Mutex
	unowned map[uint64]bool // listening socket inodes no visible process holds
}

// NewFinder checks that root looks like a proc filesystem.
func NewFinder(root string) (*Finder, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("proc root: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("proc root %s is not a directory", root)
	}
	return &Finder{root: root, self: selfPID(root)}, nil
}

// selfPID is the exporter's PID as the proc root numbers it (another PID namespace numbers
// it differently), or -1 for a tree that has no self link, such as a test fixture.
func selfPID(root string) int {
	link, err := os.Readlink(filepath.Join(root, "self"))
	if err != nil {
		return -1
	}
	pid, err := strconv.Atoi(link)
	if err != nil {
		return -1
	}
	return pid
}

// Root returns the proc root the finder reads.
func (f *Finder) Root() string { return f.root }

// Identity returns the identity of a live PID, or ErrNotFound.
func (f *Finder) Identity(pid int) (Identity, error) { return identityOf(f.root, pid) }

// Find returns the process that matches t now, or an error wrapping ErrNotFound.
func (f *Finder) Find(t exporterconfig.Target) (Identity, error) { return f.FindWith(t, nil) }

// FindWith is Find with a memo of earlier verdicts on each process, which spares the exe
// and cmdline reads of processes already judged while a target stays missing.
func (f *Finder) FindWith(t exporterconfig.Target, memo *Verdicts) (Identity, error) {
	switch t.Method() {
	case "pidfile":
		return f.byPidfile(t.Pidfile)
	case "port":
		return f.ByPort(t.Port)
	case "exe":
		return f.scan(memo.wrap(f, f.exeMatcher(t.Exe)))
	case "comm":
		return f.scan(f.commMatcher(t.Comm))
	case "cmdline":
		return f.scan(memo.wrap(f, f.cmdlineMatcher(t.Cmdline)))
	}
	return Identity{}, fmt.Errorf("target %q has no discovery rule", t.Server)
}

// Verdicts remembers whether each process matched a target, keyed by its identity (PID
// and start time: a reused PID is a new key) and its command name (an exec keeps the
// identity but changes the name, and with it the verdict is judged again).
type Verdicts struct {
	byID map[Identity]verdict
}

type verdict struct {
	comm  string
	match bool
}

// wrap returns match, answered from the memo when the same process incarnation still
// has the same command name.
func (v *Verdicts) wrap(f *Finder, match func(int) bool) func(int) bool {
	if v == nil {
		return match
	}
	if v.byID == nil || len(v.byID) > maxVerdicts {
		v.byID = map[Identity]verdict{}
	}
	return func(pid int) bool {
		id, err := f.Identity(pid)
		if err != nil {
			return false // gone, a zombie, or unreadable: not the target now
		}
		comm, err := f.comm(pid)
		if err != nil {
			return false
		}
		if old, ok := v.byID[id]; ok && old.comm == comm {
			return old.match
		}
		m := match(pid)
		v.byID[id] = verdict{comm: comm, match: m}
		return m
	}
}

// maxVerdicts bounds the memo; past it, it starts afresh.
const maxVerdicts = 1 << 16

func (f *Finder) comm(pid int) (string, error) {
	data, err := os.ReadFile(filepath.Join(f.root, strconv.Itoa(pid), "comm"))
	return strings.TrimSuffix(string(data), "\n"), err
}

func (f *Finder) byPidfile(path string) (Identity, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Identity{}, fmt.Errorf("pidfile %s does not exist: %w", path, ErrNotFound)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("pidfile: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return Identity{}, fmt.Errorf("pidfile %s holds %q, not a PID", path, strings.TrimSpace(string(data)))
	}
	id, err := f.Identity(pid)
	if errors.Is(err, ErrNotFound) {
		return Identity{}, fmt.Errorf("pidfile %s names pid %d, which is not running: %w", path, pid, ErrNotFound)
	}
	return id, err
}

// pids lists the numeric entries of the proc root.
func (f *Finder) pids() ([]int, error) {
	d, err := os.Open(f.root)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(names))
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil && pid != f.self {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// scan returns the oldest live process that match accepts. Processes that vanish or
// cannot be read during the scan are skipped: they are not the target, or cannot be shown.
func (f *Finder) scan(match func(pid int) bool) (Identity, error) {
	pids, err := f.pids()
	if err != nil {
		return Identity{}, err
	}
	var best Identity
	for _, pid := range pids {
		if !match(pid) {
			continue
		}
		id, err := f.Identity(pid)
		if err != nil {
			continue
		}
		if !best.Valid() || older(id, best) {
			best = id
		}
	}
	if !best.Valid() {
		return Identity{}, ErrNotFound
	}
	return best, nil
}

func (f *Finder) commMatcher(comm string) func(int) bool {
	return func(pid int) bool {
		got, err := f.comm(pid)
		return err == nil && got == comm
	}
}

// exeMatcher compares the whole path when exe holds a slash, else the base name.
func (f *Finder) exeMatcher(exe string) func(int) bool {
	full := strings.Contains(exe, "/")
	return func(pid int) bool {
		target, err := os.Readlink(filepath.Join(f.root, strconv.Itoa(pid), "exe"))
		if err != nil {
			return false
		}
		target = strings.TrimSuffix(target, " (deleted)")
		if full {
			return target == exe
		}
		return filepath.Base(target) == exe
	}
}

// cmdlineMatcher matches the arguments joined by single spaces.
func (f *Finder) cmdlineMatcher(re *exporterconfig.Regexp) func(int) bool {
	return func(pid int) bool {
		data, err := os.ReadFile(filepath.Join(f.root, strconv.Itoa(pid), "cmdline"))
		if err != nil || len(data) == 0 {
			return false
		}
		line := strings.ReplaceAll(strings.TrimRight(string(data), "\x00"), "\x00", " ")
		return re.MatchString(line)
	}
}
