package discovery

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"

	"github.com/ssebench/ssebench/internal/sockdiag"
)

// tcpListen is the kernel's TCP_LISTEN state number in /proc/net/tcp.
const tcpListen = 10

// ByPort finds the process holding a listening socket on port: the socket's inode comes
// from the exporter's own network namespace, and the process from a scan of every
// /proc/<pid>/fd for that inode. The scan reads every descriptor of every process, so a
// listener whose owner cannot be seen (the exporter itself, another PID namespace, another
// user's process without the rights) is remembered and not scanned for again.
func (f *Finder) ByPort(port int) (Identity, error) {
	inodes, err := f.portListeners(port)
	if err != nil {
		return Identity{}, err
	}
	if len(inodes) == 0 {
		return Identity{}, fmt.Errorf("nothing listens on TCP port %d: %w", port, ErrNotFound)
	}
	if f.allUnowned(inodes) {
		return Identity{}, fmt.Errorf("the listener on TCP port %d belongs to no visible process: %w", port, ErrNotFound)
	}
	id, err := f.scan(func(pid int) bool { return f.holdsAny(pid, inodes) })
	if errors.Is(err, ErrNotFound) {
		f.markUnowned(inodes)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("TCP port %d: %w", port, err)
	}
	return id, nil
}

// portListeners returns the inodes of the listening sockets on port: through netlink on a
// live proc filesystem (its net/ is the exporter's own namespace), else from the files.
func (f *Finder) portListeners(port int) (map[uint64]int, error) {
	if f.self <= 0 {
		fs, err := procfs.NewFS(f.root)
		if err != nil {
			return nil, err
		}
		return listenInodes(fs, func(p int) bool { return p == port })
	}
	socks, err := sockdiag.TCP([]int{port}, sockdiag.ListenOnly)
	if err != nil {
		return nil, err
	}
	inodes := map[uint64]int{}
	for _, s := range socks {
		if s.State == tcpListen && s.Inode != 0 {
			inodes[s.Inode] = int(s.LocalPort)
		}
	}
	return inodes, nil
}

// maxUnowned bounds the memory of listeners found to have no visible owner.
const maxUnowned = 1024

func (f *Finder) allUnowned(inodes map[uint64]int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ino := range inodes {
		if !f.unowned[ino] {
			return false
		}
	}
	return true
}

func (f *Finder) markUnowned(inodes map[uint64]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unowned == nil || len(f.unowned) > maxUnowned {
		f.unowned = map[uint64]bool{}
	}
	for ino := range inodes {
		f.unowned[ino] = true
	}
}

// listenInodes returns the inodes of listening sockets whose port passes keep, in the
// network namespace whose tables fs shows.
func listenInodes(fs procfs.FS, keep func(port int) bool) (map[uint64]int, error) {
	inodes := map[uint64]int{}
	for _, read := range []func() (procfs.NetTCP, error){fs.NetTCP, fs.NetTCP6} {
		lines, err := read()
		if os.IsNotExist(err) {
			continue // a kernel without IPv6 has no tcp6 table
		}
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if l.St == tcpListen && keep(int(l.LocalPort)) {
				inodes[l.Inode] = int(l.LocalPort)
			}
		}
	}
	return inodes, nil
}

// socketInodes returns the inodes of every socket pid has open.
func (f *Finder) socketInodes(pid int) (map[uint64]bool, error) {
	dir := filepath.Join(f.root, strconv.Itoa(pid), "fd")
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	inodes := map[uint64]bool{}
	for _, n := range names {
		if ino, ok := socketInode(filepath.Join(dir, n)); ok {
			inodes[ino] = true
		}
	}
	return inodes, nil
}

func (f *Finder) holdsAny(pid int, want map[uint64]int) bool {
	dir := filepath.Join(f.root, strconv.Itoa(pid), "fd")
	d, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return false
	}
	for _, n := range names {
		if ino, ok := socketInode(filepath.Join(dir, n)); ok {
			if _, hit := want[ino]; hit {
				return true
			}
		}
	}
	return false
}

// socketInode reads an fd link of the form socket:[12345].
func socketInode(link string) (uint64, bool) {
	target, err := os.Readlink(link)
	if err != nil || !strings.HasPrefix(target, "socket:[") || !strings.HasSuffix(target, "]") {
		return 0, false
	}
	ino, err := strconv.ParseUint(target[len("socket:["):len(target)-1], 10, 64)
	return ino, err == nil
}

// ListeningPorts returns the TCP ports the process listens on, read in its own network
// namespace (/proc/<pid>/net/tcp and tcp6) and kept only for sockets it holds itself.
func (f *Finder) ListeningPorts(id Identity) ([]int, error) {
	mine, err := f.socketInodes(id.PID)
	if err != nil {
		return nil, err
	}
	fs, err := procfs.NewFS(filepath.Join(f.root, strconv.Itoa(id.PID)))
	if err != nil {
		return nil, err
	}
	inodes, err := listenInodes(fs, func(int) bool { return true })
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	var ports []int
	for ino, port := range inodes {
		if mine[ino] && !seen[port] {
			seen[port] = true
			ports = append(ports, port)
		}
	}
	return ports, nil
}
