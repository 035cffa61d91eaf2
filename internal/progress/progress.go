// Package progress prints what a long load run is doing: one rewritten line on a terminal,
// throttled plain lines otherwise. `ssebench run` and `ssebench load` share it.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ssebench/ssebench/internal/load"
)

// Status is what the terminal shows while a load run is going.
type Status struct {
	Trial, Trials int    // trial t of T (1-based); shown when T > 1
	Index, Count  int    // server i of N (1-based)
	Server        string //
	Scenario      string //
	Elapsed       time.Duration
	Total         time.Duration
	ReqPerSec     float64
	VUs           int
	Failures      int64
	// RWDropped counts the samples remote write has lost so far: shown as soon as it is
	// not zero, so that a refusing Prometheus is seen during the run, not after it.
	RWDropped int64
}

// WithDropped is s showing n samples lost by remote write.
func (s Status) WithDropped(n int64) Status {
	s.RWDropped = n
	return s
}

// Progress prints run progress: one rewritten line on a terminal, plain lines otherwise
// (CI logs, pipes), at most one plain line every plainEvery so that logs stay readable.
type Progress struct {
	mu         sync.Mutex
	w          io.Writer
	tty        bool
	plainEvery time.Duration
	lastPlain  time.Time
	lineOpen   bool
	now        func() time.Time
}

// New writes to w; tty selects the live single-line display.
func New(w io.Writer, tty bool) *Progress {
	return &Progress{w: w, tty: tty, plainEvery: 5 * time.Second, now: time.Now}
}

// Update shows a status.
func (p *Progress) Update(s Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := formatStatus(s)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.lineOpen = true
		return
	}
	if now := p.now(); now.Sub(p.lastPlain) >= p.plainEvery {
		p.lastPlain = now
		fmt.Fprintln(p.w, line)
	}
}

// Logf prints a message on its own line, clearing a live status line first.
func (p *Progress) Logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lineOpen {
		fmt.Fprint(p.w, "\r\033[K")
		p.lineOpen = false
	}
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(p.w, strings.TrimRight(msg, "\n"))
}

// Done ends a live line so that what follows starts on a fresh line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lineOpen {
		fmt.Fprintln(p.w)
		p.lineOpen = false
	}
	p.lastPlain = time.Time{}
}

// Position is where a load run stands: "[2/7]", or "[t2/3 2/7]" (trial 2 of 3) when a run
// has several trials. Every progress and log line of a run uses it.
func Position(trial, trials, index, count int) string {
	if trials > 1 {
		return fmt.Sprintf("[t%d/%d %d/%d]", trial, trials, index, count)
	}
	return fmt.Sprintf("[%d/%d]", index, count)
}

func formatStatus(s Status) string {
	bar := progressBar(s.Elapsed, s.Total, 20)
	line := fmt.Sprintf("%s %-10s %-8s %s %5.1fs/%.0fs  %7.1f req/s  %3d VUs  %d failed",
		Position(s.Trial, s.Trials, s.Index, s.Count), s.Server, s.Scenario, bar, s.Elapsed.Seconds(), s.Total.Seconds(), s.ReqPerSec, s.VUs, s.Failures)
	if s.RWDropped > 0 {
		line += fmt.Sprintf("  rw dropped %d", s.RWDropped)
	}
	return line
}

func progressBar(done, total time.Duration, width int) string {
	if total <= 0 {
		return strings.Repeat("·", width)
	}
	n := int(float64(width) * float64(done) / float64(total))
	n = max(0, min(width, n))
	return strings.Repeat("█", n) + strings.Repeat("·", width-n)
}

// FromLoad is the status line of one load run: server index of count.
func FromLoad(p load.Progress, index, count int, server, scenario string) Status {
	return Status{Index: index, Count: count, Server: server, Scenario: scenario,
		Elapsed: p.Elapsed, Total: p.Total, ReqPerSec: p.ReqPerSec, VUs: p.VUs, Failures: p.Failures}
}
