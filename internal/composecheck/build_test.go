package composecheck

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

var goBuildPackage = regexp.MustCompile(`\bgo build\b.*\s(\./\S+)\s*$`)

// copyStep is one source of a COPY instruction that reads from the build context.
type copyStep struct{ src, dst string }

// goStage reads what a Dockerfile copies from its context and the package `go build` builds.
func goStage(t *testing.T, dockerfile string) (copies []copyStep, pkg string) {
	t.Helper()
	f, err := os.Open(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "COPY":
			if len(fields) < 3 || strings.HasPrefix(fields[1], "--") {
				continue // COPY --from=… takes from another stage, not the context
			}
			for _, src := range fields[1 : len(fields)-1] {
				copies = append(copies, copyStep{src, fields[len(fields)-1]})
			}
		case "RUN":
			if m := goBuildPackage.FindStringSubmatch(sc.Text()); m != nil && pkg == "" {
				pkg = m[1]
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return copies, pkg
}

// apply performs one COPY from root into dir, relative to WORKDIR = dir.
func (c copyStep) apply(root, dir string) error {
	src := filepath.Join(root, c.src)
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, filepath.Clean(c.dst))
	if fi.IsDir() {
		return os.CopyFS(dst, os.DirFS(src))
	}
	if strings.HasSuffix(c.dst, "/") || c.dst == "." {
		dst = filepath.Join(dst, filepath.Base(src))
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return copyFile(src, dst)
}

func goBinary() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// TestRootContextImagesBuildFromWhatTheyCopy builds the Go images whose context is the
// repository root (the stub, the exporter) from only the files their Dockerfiles copy,
// offline: a package that imports something the Dockerfile leaves out fails here rather
// than in `docker compose build`.
func TestRootContextImagesBuildFromWhatTheyCopy(t *testing.T) {
	p := loadProject(t)
	root := repoRoot(t)
	for _, name := range []string{"stub", "exporter"} {
		t.Run(name, func(t *testing.T) {
			svc := service(t, p, name)
			if svc.Build.Context != root {
				t.Fatalf("%s builds from %s, want the repository root", name, svc.Build.Context)
			}
			copies, pkg := goStage(t, filepath.Join(root, svc.Build.Dockerfile))
			if pkg == "" || len(copies) == 0 {
				t.Fatalf("found no `go build ./…` or no COPY in %s", svc.Build.Dockerfile)
			}
			dir := t.TempDir()
			for _, c := range copies {
				if err := c.apply(root, dir); err != nil {
					t.Fatalf("COPY %s %s: %v", c.src, c.dst, err)
				}
			}
			out, err := runToolEnv(t, dir, []string{"GOFLAGS=-mod=readonly", "GOPROXY=off", "CGO_ENABLED=0", "GOWORK=off"},
				goBinary(), "build", "-o", filepath.Join(t.TempDir(), "out"), pkg)
			if err != nil {
				t.Fatalf("go build %s from only what %s copies: %v\n%s", pkg, svc.Build.Dockerfile, err, out)
			}
		})
	}
}
