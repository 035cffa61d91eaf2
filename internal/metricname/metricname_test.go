package metricname

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// documentedName is a metric name as docs/metrics.md writes it: in backquotes, possibly
// followed by its labels in braces.
var documentedName = regexp.MustCompile("`((?:k6|ssebench|probe)_[a-z0-9_]+)[`{]")

// TestEveryNameIsDocumented: docs/metrics.md and this package name the same metrics, each
// constant is in exactly one of the lists the writers' tests check, and no two constants
// share a name.
func TestEveryNameIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range documentedName.FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	listed := map[string]int{}
	for _, list := range [][]string{LoadGenerator, Runner, Exporter, Probe, Stub} {
		for _, name := range list {
			listed[name]++
		}
	}
	consts := constants(t)
	seen := map[string]bool{}
	for _, name := range consts {
		if seen[name] {
			t.Errorf("%s: two constants", name)
		}
		seen[name] = true
		if listed[name] != 1 {
			t.Errorf("%s is in %d of the lists, want 1", name, listed[name])
		}
		if !documented[name] {
			t.Errorf("%s is not in docs/metrics.md", name)
		}
	}
	for name := range documented {
		if !seen[name] {
			t.Errorf("docs/metrics.md names %s, which has no constant here", name)
		}
	}
	if len(consts) < 60 {
		t.Fatalf("found %d constants; the parser no longer matches the file", len(consts))
	}
}

// constants are the values of the string constants of metricname.go.
func constants(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "metricname.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if d, ok := n.(*ast.GenDecl); ok && d.Tok == token.CONST {
			for _, spec := range d.Specs {
				for _, v := range spec.(*ast.ValueSpec).Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						out = append(out, s)
					}
				}
			}
		}
		return true
	})
	slices.Sort(out)
	return out
}
