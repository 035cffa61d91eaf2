package collector

import (
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/procfs"

	"github.com/ssebench/ssebench/internal/cputime"
	"github.com/ssebench/ssebench/internal/discovery"
)

// tick is one clock tick of /proc/<pid>/stat.
const tick = time.Second / userHZ

// cpuCounter is one target's exported CPU by mode. A process that ssebench moves into a
// cgroup of its own (internal/cputime) is read from the group, exactly; otherwise from
// /proc/<pid>/stat in ticks. The two count from different starts (the move, the process's
// start), so when a process enters or leaves its group the counters carry on from where
// they were and only that scrape interval goes uncounted: a counter that fell back would
// read as a reset, and rate() would count the whole value again.
type cpuCounter struct {
	id     discovery.Identity
	source string        // the group's directory, or "" for /proc
	group  cputime.Split // the group's total split by mode, monotonic (v1 samples the split)
	last   cputime.Split // the source's previous reading
	out    cputime.Split // what is exported
}

// processCPU returns the target's CPU by mode: from its own cgroup when it has one, else
// from the ticks in stat.
func (c *ProcessCollector) processCPU(s *Scrape, t Target, stat procfs.ProcStat) cputime.Split {
	prev, seen := c.cpu[t.Server]
	fresh := !seen || prev.id != t.State.ID
	if fresh {
		prev = cpuCounter{id: t.State.ID}
	}
	next := c.readCPU(s, t, stat, prev)
	switch {
	case fresh:
		next.out = next.last
	case next.source == prev.source:
		next.out = cputime.Split{
			User:   prev.out.User + max(next.last.User-prev.last.User, 0),
			System: prev.out.System + max(next.last.System-prev.last.System, 0),
		}
	default: // the source changed: this interval goes uncounted
		next.out = prev.out
	}
	c.cpu[t.Server] = next
	return next.out
}

// readCPU reads the target's current source into a counter whose out is still to be set.
func (c *ProcessCollector) readCPU(s *Scrape, t Target, stat procfs.ProcStat, prev cpuCounter) cpuCounter {
	g, inGroup, err := c.cgroups.OwnGroupCPU(t.State.ID.PID)
	if err != nil {
		s.Partial(fmt.Errorf("%s: %w", t.Server, err))
	}
	if !inGroup {
		ticks := cputime.Split{User: time.Duration(stat.UTime) * tick, System: time.Duration(stat.STime) * tick}
		return cpuCounter{id: prev.id, last: ticks}
	}
	next := cpuCounter{id: prev.id, source: g.Dir}
	if prev.source == g.Dir {
		next.group = prev.group
	}
	next.group = next.group.Advance(g.Total, g.User, g.System)
	next.last = next.group
	return next
}

// forgetCPUExcept drops the counters of servers no longer among the targets.
func (c *ProcessCollector) forgetCPUExcept(targets []Target) {
	for server := range c.cpu {
		if !slices.ContainsFunc(targets, func(t Target) bool { return t.Server == server }) {
			delete(c.cpu, server)
		}
	}
}

// seconds converts with one rounding, so that ticks read as exactly as ticks/userHZ did.
func seconds(d time.Duration) float64 { return float64(d) / float64(time.Second) }
