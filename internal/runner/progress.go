package runner

import (
	"io"

	"github.com/ssebench/ssebench/internal/progress"
)

// The runner prints through internal/progress; these names keep its signatures short.
type (
	Progress = progress.Progress
	Status   = progress.Status
)

// NewProgress writes to w; tty selects the live single-line display.
func NewProgress(w io.Writer, tty bool) *Progress { return progress.New(w, tty) }
