package proctree

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDescendantsWalksTheTree reads a fixture /proc: 10 has children 11 and 12, 12 has 13;
// 20 is another tree.
func TestDescendantsWalksTheTree(t *testing.T) {
	root := t.TempDir()
	for pid, ppid := range map[int]int{1: 0, 10: 1, 11: 10, 12: 10, 13: 12, 20: 1} {
		dir := filepath.Join(root, strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// All 52 fields of proc(5)'s stat line; the fourth is the parent.
		stat := strconv.Itoa(pid) + " (p) S " + strconv.Itoa(ppid) + strings.Repeat(" 0", 48) + "\n"
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := Descendants(root, 10)
	slices.Sort(got)
	if !slices.Equal(got, []int{11, 12, 13}) {
		t.Fatalf("descendants of 10: %v, want 11 12 13", got)
	}
	if got := Descendants(root, 13); len(got) != 0 {
		t.Fatalf("a leaf has descendants %v", got)
	}
	if got := Descendants(filepath.Join(root, "absent"), 10); len(got) != 0 {
		t.Fatalf("an unreadable root gave %v", got)
	}
}
