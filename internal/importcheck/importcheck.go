// Package importcheck keeps the repository's import graph in shape, read from `go list`
// with test imports included: no two top-level folders import each other, internal/
// imports nothing outside internal/ (it is what the components share, and knows none of
// them), and no package imports another in a loop.
package importcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"

	"github.com/ssebench/ssebench/internal/repo"
)

// Import is one import between two packages of the module, their paths from its root
// ("internal/proc"); Test is "" for the package's own code, "test" for its in-package
// tests and "xtest" for its _test package.
type Import struct {
	From, To string
	Test     string
}

func (i Import) String() string {
	if i.Test == "" {
		return i.From + " -> " + i.To
	}
	return i.From + " -> " + i.To + " (" + i.Test + ")"
}

// List runs `go list` in the module rooted at root and returns every import between two of
// its packages, tests included. Nested modules (a server's own go.mod) are not listed.
func List(ctx context.Context, root string) ([]Import, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	prefix := repo.ModulePath + "/"
	rel := func(p string) (string, bool) {
		if !strings.HasPrefix(p, prefix) {
			return "", false
		}
		return strings.TrimPrefix(p, prefix), true
	}
	var imports []Import
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: %w", err)
		}
		from, ok := rel(p.ImportPath)
		if !ok {
			continue // the root package, which this module does not have
		}
		for _, set := range []struct {
			test  string
			paths []string
		}{{"", p.Imports}, {"test", p.TestImports}, {"xtest", p.XTestImports}} {
			for _, to := range set.paths {
				if r, ok := rel(to); ok && r != from {
					imports = append(imports, Import{From: from, To: r, Test: set.test})
				}
			}
		}
	}
	return imports, nil
}

// Folder is the top-level folder a package path stands in.
func Folder(pkg string) string {
	folder, _, _ := strings.Cut(pkg, "/")
	return folder
}

// Loop is a set of nodes (folders or packages) that import each other, with the imports
// that tie them.
type Loop struct {
	Nodes   []string
	Imports []Import
}

func (l Loop) String() string {
	lines := make([]string, len(l.Imports))
	for i, imp := range l.Imports {
		lines[i] = "\n  " + imp.String()
	}
	return strings.Join(l.Nodes, " <-> ") + ":" + strings.Join(lines, "")
}

// FolderLoops returns each set of top-level folders that import each other, however long
// the way round.
func FolderLoops(imports []Import) []Loop {
	return loops(imports, func(i Import) (string, string, bool) {
		from, to := Folder(i.From), Folder(i.To)
		return from, to, from != to
	})
}

// PackageLoops returns each set of packages that import each other. A package's _test
// package is a node of its own ("internal/x_test"): it may import what imports the
// package, as Go allows, but an in-package test may not.
func PackageLoops(imports []Import) []Loop {
	return loops(imports, func(i Import) (string, string, bool) {
		if i.Test == "xtest" {
			return i.From + "_test", i.To, true
		}
		return i.From, i.To, true
	})
}

// OutOfGround returns the imports by which a package under internal/ reaches a package
// outside it.
func OutOfGround(imports []Import) []Import {
	var out []Import
	for _, i := range imports {
		if Folder(i.From) == "internal" && Folder(i.To) != "internal" {
			out = append(out, i)
		}
	}
	return out
}

// loops finds the strongly connected sets of more than one node in the graph that edge
// draws from imports (Tarjan's algorithm), each with the imports inside it.
func loops(imports []Import, edge func(Import) (from, to string, ok bool)) []Loop {
	next := map[string][]string{}
	seen := map[[2]string]bool{}
	var nodes []string
	known := map[string]bool{}
	for _, i := range imports {
		from, to, ok := edge(i)
		if !ok {
			continue
		}
		for _, n := range []string{from, to} {
			if !known[n] {
				known[n] = true
				nodes = append(nodes, n)
			}
		}
		if !seen[[2]string{from, to}] {
			seen[[2]string{from, to}] = true
			next[from] = append(next[from], to)
		}
	}
	sort.Strings(nodes)
	index, low := map[string]int{}, map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	component := map[string]int{}
	var sets [][]string
	var visit func(string)
	visit = func(v string) {
		index[v], low[v] = len(index), len(index)
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range next[v] {
			if _, done := index[w]; !done {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		var set []string
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			set = append(set, w)
			if w == v {
				break
			}
		}
		if len(set) > 1 {
			sort.Strings(set)
			for _, n := range set {
				component[n] = len(sets) + 1
			}
			sets = append(sets, set)
		}
	}
	for _, v := range nodes {
		if _, done := index[v]; !done {
			visit(v)
		}
	}
	out := make([]Loop, len(sets))
	for k, set := range sets {
		out[k].Nodes = set
	}
	for _, i := range imports {
		from, to, ok := edge(i)
		if c := component[from]; ok && c != 0 && c == component[to] {
			out[c-1].Imports = append(out[c-1].Imports, i)
		}
	}
	return out
}
