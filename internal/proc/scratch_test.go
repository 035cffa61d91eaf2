package proc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScratchDirRemovesItsFilesOnce(t *testing.T) {
	d, err := NewScratchDir("prometheus")
	if err != nil {
		t.Fatal(err)
	}
	path := d.Path()
	if !strings.HasPrefix(filepath.Base(path), "prometheus-") {
		t.Errorf("scratch dir %q: want a name starting with the program's", path)
	}
	if err := os.WriteFile(filepath.Join(path, "data"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.Remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("after Remove, stat %s: %v; want it gone", path, err)
	}
	if d.Path() != "" {
		t.Errorf("after Remove, Path() = %q; want \"\"", d.Path())
	}
	// A second directory of the same name pattern must survive a second Remove of the first.
	other, err := NewScratchDir("prometheus")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Remove()
	d.Remove()
	var zero ScratchDir
	zero.Remove()
	if _, err := os.Stat(other.Path()); err != nil {
		t.Errorf("a second Remove touched another directory: %v", err)
	}
}
