package importcheck

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/repo"
)

// repoImports lists the repository's imports once for every test here.
var repoImports = sync.OnceValues(func() ([]Import, error) {
	root, err := repo.FindRoot()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return List(ctx, root)
})

func imports(t *testing.T) []Import {
	t.Helper()
	imps, err := repoImports()
	if err != nil {
		t.Fatal(err)
	}
	if len(imps) == 0 {
		t.Fatal("go list found no import between the module's packages")
	}
	return imps
}

// TestNoLoopBetweenTopLevelFolders: no two top-level folders import each other, directly
// or the long way round, tests included. Whatever two of them need both belongs in
// internal/.
func TestNoLoopBetweenTopLevelFolders(t *testing.T) {
	for _, l := range FolderLoops(imports(t)) {
		t.Errorf("top-level folders import each other: %v\nmove what they share into internal/", l)
	}
}

// TestInternalImportsNoComponent: internal/ is what the components share, so none of its
// packages, tests included, imports a package outside it (exporter/, stub/, cmd/, ...).
func TestInternalImportsNoComponent(t *testing.T) {
	for _, i := range OutOfGround(imports(t)) {
		t.Errorf("%v: internal/ imports a component; move what it needs into internal/", i)
	}
}

// TestNoLoopBetweenPackages: go build refuses a loop of imports, go test one through an
// in-package test; this says so for every package at once, with the imports that tie it.
func TestNoLoopBetweenPackages(t *testing.T) {
	for _, l := range PackageLoops(imports(t)) {
		t.Errorf("packages import each other: %v", l)
	}
}

// TestLoopsAreFound: the checks above find the loops the repository had before issue 26
// (internal/ ↔ exporter/ through code, internal/ ↔ stub/ through a test), a loop of three
// folders, and no loop where the imports run one way.
func TestLoopsAreFound(t *testing.T) {
	before := []Import{
		{"internal/proc", "exporter/discovery", ""},
		{"exporter/probe", "internal/sse", ""},
		{"internal/benchtest", "stub", ""},
		{"stub/cmd/stub", "internal/cli", "test"},
		{"cmd/ssebench", "internal/runner", ""},
	}
	loops := FolderLoops(before)
	if len(loops) != 1 || !slices.Equal(loops[0].Nodes, []string{"exporter", "internal", "stub"}) || len(loops[0].Imports) != 4 {
		t.Errorf("before: %v, want one loop of exporter, internal and stub tied by four imports", loops)
	}
	if got := OutOfGround(before); len(got) != 2 {
		t.Errorf("before: out of internal/ %v, want the imports of exporter/discovery and stub", got)
	}
	three := []Import{{"a/x", "b/y", ""}, {"b/y", "c", "xtest"}, {"c", "a/z", "test"}}
	if loops := FolderLoops(three); len(loops) != 1 || len(loops[0].Nodes) != 3 {
		t.Errorf("a -> b -> c -> a: %v, want one loop of three folders", loops)
	}
	if loops := FolderLoops(before[1:2]); len(loops) != 0 {
		t.Errorf("one way: %v, want none", loops)
	}
	// A package's _test package may import what imports the package; its own tests may not.
	xtest := []Import{{"internal/a", "internal/b", ""}, {"internal/b", "internal/a", "xtest"}}
	if loops := PackageLoops(xtest); len(loops) != 0 {
		t.Errorf("external test: %v, want none", loops)
	}
	xtest[1].Test = "test"
	if loops := PackageLoops(xtest); len(loops) != 1 {
		t.Errorf("in-package test: %v, want one loop", loops)
	}
}
