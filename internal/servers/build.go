package servers

import (
	"context"
	"fmt"
	"io"
	"os/exec"

	"github.com/ssebench/ssebench/internal/proc"
)

// BuildIt runs the server's build command with bash in root. Output goes to out (which may
// be nil); on failure the error quotes its last lines.
func (s Server) BuildIt(ctx context.Context, root string, out io.Writer) error {
	if s.Unavailable != "" {
		return fmt.Errorf("%s: unavailable: %s", s.Name, s.Unavailable)
	}
	tail := proc.NewTail(8 << 10)
	cmd := exec.CommandContext(ctx, "bash", "-c", s.Build)
	cmd.Dir = root
	w := io.Writer(tail)
	if out != nil {
		w = io.MultiWriter(out, tail)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		return fmt.Errorf("%s: build failed: %v: %s", s.Name, err, tail.Lines(10))
	}
	return nil
}
