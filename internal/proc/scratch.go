package proc

import (
	"fmt"
	"os"
)

// ScratchDir is a temporary directory a supervised program keeps its data or configuration
// in when its caller gave none. Its zero value is no directory; Remove is idempotent, so a
// failed start and a later Stop may both call it.
type ScratchDir struct{ path string }

// NewScratchDir creates a directory under os.TempDir whose name starts with program.
func NewScratchDir(program string) (ScratchDir, error) {
	path, err := os.MkdirTemp("", program+"-")
	if err != nil {
		return ScratchDir{}, fmt.Errorf("creating a temporary directory for %s: %w", program, err)
	}
	return ScratchDir{path: path}, nil
}

// Path is the directory, "" for the zero value.
func (d ScratchDir) Path() string { return d.path }

// Remove deletes the directory and everything in it, once.
func (d *ScratchDir) Remove() {
	if d.path != "" {
		_ = os.RemoveAll(d.path)
		d.path = ""
	}
}
