package collector

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ssebench/ssebench/internal/testchild"
)

// nobody is the unprivileged user the permission test scrapes as when it runs as root,
// since root reads files whatever their mode.
const nobody = 65534

// A thread's status file cannot be read, and (as an unprivileged user) neither can the fd
// directory of a root process: each read is counted as a partial error, the collector reports
// failure, and every other figure of the scrape is still there.
func TestPermissionErrorsArePartial(t *testing.T) {
	dir := worldReadableDir(t)
	root := filepath.Join(dir, "proc")
	copyTree(t, "testdata/proc", root)
	if err := os.Chmod(filepath.Join(root, "100", "task", "101", "status"), 0); err != nil {
		t.Fatal(err)
	}

	s := parseSamples(t, scrapeAsUnprivileged(t, dir, root, "go-http:port=8080"))
	if s.get(t, "ssebench_process_up{server=go-http}") != 1 ||
		s.get(t, "ssebench_process_cpu_seconds_total{mode=user,server=go-http}") != 12.34 ||
		!s.has("ssebench_process_resident_memory_bytes{server=go-http}") {
		t.Error("figures that could be read are missing")
	}
	if s.has("ssebench_process_context_switches_total{kind=voluntary,server=go-http}") {
		t.Error("context switches published although a thread's status was unreadable")
	}
	if v := s.get(t, "ssebench_exporter_collector_partial_errors_total{collector=process}"); v < 1 {
		t.Errorf("process partial errors = %v, want at least 1", v)
	}
	if v := s.get(t, "ssebench_exporter_collector_success{collector=process}"); v != 0 {
		t.Errorf("process success = %v, want 0 after a partial error", v)
	}
	if v := s.get(t, "ssebench_server_tcp_connections{server=go-http,state=established}"); v != 2 {
		t.Errorf("tcp collector must go on: established = %v", v)
	}

	if os.Geteuid() != 0 {
		t.Log("not root: the live part (a root process's fd directory) needs root to set up")
		return
	}
	child := testchild.Start(t, "sleep", "perm", "x")
	pidfile := filepath.Join(dir, "child.pid")
	if err := os.WriteFile(pidfile, []byte(itoa(child.PID)), 0o644); err != nil {
		t.Fatal(err)
	}
	s = parseSamples(t, scrapeAsUnprivileged(t, dir, "/proc", "root-owned:pidfile="+pidfile))
	if s.get(t, "ssebench_process_up{server=root-owned}") != 1 ||
		!s.has("ssebench_process_cpu_seconds_total{mode=user,server=root-owned}") {
		t.Error("a root process's readable figures are missing")
	}
	// Its fd directory cannot be listed, so the sockets it listens on stay unknown.
	if v := s.get(t, "ssebench_exporter_collector_partial_errors_total{collector=discovery}"); v < 1 {
		t.Errorf("discovery partial errors = %v, want at least 1 (fd directory)", v)
	}
	if v := s.get(t, "ssebench_exporter_collector_success{collector=discovery}"); v != 0 {
		t.Errorf("discovery success = %v, want 0", v)
	}
}

// scrapeAsUnprivileged runs one scrape in a copy of the test binary, as nobody when the
// test runs as root, and returns the text it printed.
func scrapeAsUnprivileged(t *testing.T, dir, root string, targets ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "scrape.test")
	copyFile(t, exe, bin, 0o755)
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), scrapeEnv+"="+strings.Join(append([]string{root}, targets...), "|"))
	cmd.Dir = dir
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, NoSetGroups: true}}
	}
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("scrape child: %v\n%s", err, stderr)
	}
	return string(out)
}

// worldReadableDir is a temporary directory that nobody can enter.
func worldReadableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ssebench-exporter-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyTree copies a fixture tree, keeping symlinks as symlinks.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, dst)
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		default:
			copyFile(t, path, dst, 0o644)
			return nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
