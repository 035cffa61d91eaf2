package collector

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"

	"github.com/ssebench/ssebench/internal/cputime"
	"github.com/ssebench/ssebench/internal/metricname"
	"github.com/ssebench/ssebench/internal/proctree"
)

// userHZ is the unit of the tick counts in /proc/<pid>/stat on every Linux build that matters.
const userHZ = 100

var (
	serverLabel = []string{"server"}

	upDesc = prometheus.NewDesc(metricname.ProcessUp,
		"1 when the server's process was found, 0 when it was not.", serverLabel, nil)
	restartsDesc = prometheus.NewDesc(metricname.ProcessRestarts,
		"Times the server's process identity (PID, start time) changed since the exporter started.", serverLabel, nil)
	cpuDesc = prometheus.NewDesc(metricname.ProcessCPU,
		"CPU time the process has used, by mode (user, system).", []string{"server", "mode"}, nil)
	rssDesc = prometheus.NewDesc(metricname.ProcessRSS,
		"Resident set size (VmRSS) of the process and the processes below it (a server's workers).", serverLabel, nil)
	rssMaxDesc = prometheus.NewDesc(metricname.ProcessRSSPeak,
		"Peak resident set size (VmHWM) since the process started or its peak was last reset (writing 5 to /proc/<pid>/clear_refs): exact, not sampled; summed with the peaks of the processes below it (a server's workers).", serverLabel, nil)
	vmDesc = prometheus.NewDesc(metricname.ProcessVirtualMemory,
		"Virtual memory size (VmSize).", serverLabel, nil)
	threadsDesc = prometheus.NewDesc(metricname.ProcessThreads,
		"Threads of the process and the processes below it.", serverLabel, nil)
	fdsDesc = prometheus.NewDesc(metricname.ProcessOpenFDs,
		"Open file descriptors of the process and the processes below it.", serverLabel, nil)
	ctxDesc = prometheus.NewDesc(metricname.ProcessContextSwitches,
		"Context switches summed over the process's live threads, by kind (voluntary, nonvoluntary).", []string{"server", "kind"}, nil)
	startDesc = prometheus.NewDesc(metricname.ProcessStartTime,
		"Unix time the process started.", serverLabel, nil)
)

// ProcessCollector reads /proc/<pid>/stat, status, cgroup, fd and task/*/status; never smaps,
// whose reads take the process's memory lock and stall the server being measured.
type ProcessCollector struct {
	fs       procfs.FS
	root     string
	bootTime float64
	buf      []byte // reused for thread status files
	cgroups  cputime.Options
	cpu      map[string]cpuCounter // by server
	children map[int][]int         // this scrape's process tree (proctree.Children)
}

// NewProcessCollector reads the boot time once: start times are offsets from it. CPU time
// comes from a process's own ssebench cgroup under cgroupRoot when it has one.
func NewProcessCollector(root, cgroupRoot string) (*ProcessCollector, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return nil, err
	}
	st, err := fs.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading boot time: %w", err)
	}
	return &ProcessCollector{
		fs: fs, root: root, bootTime: float64(st.BootTime),
		cgroups: cputime.Options{ProcRoot: root, CgroupRoot: cgroupRoot},
		cpu:     map[string]cpuCounter{},
	}, nil
}

func (c *ProcessCollector) Name() string { return "process" }

func (c *ProcessCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{upDesc, restartsDesc, cpuDesc, rssDesc, rssMaxDesc, vmDesc, threadsDesc, fdsDesc, ctxDesc, startDesc} {
		ch <- d
	}
}

func (c *ProcessCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	// A server that forks workers (nginx) is its whole tree: one scan of /proc per scrape.
	c.children = proctree.Children(c.root)
	for _, t := range s.Targets {
		ch <- prometheus.MustNewConstMetric(restartsDesc, prometheus.CounterValue, float64(t.State.Restarts), t.Server)
		up := t.State.ID.Valid() && c.updateOne(s, t, ch)
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, boolFloat(up), t.Server)
	}
	c.forgetCPUExcept(s.Targets)
	return nil
}

// updateOne reports false when the process turned out to be gone (or its PID reused).
func (c *ProcessCollector) updateOne(s *Scrape, t Target, ch chan<- prometheus.Metric) bool {
	id := t.State.ID
	p, err := c.fs.Proc(id.PID)
	if err != nil {
		return false
	}
	stat, err := p.Stat()
	if gone(err) {
		return false
	}
	if err != nil {
		s.Partial(fmt.Errorf("%s: %w", t.Server, err))
	} else {
		if uint64(stat.Starttime) != id.StartTicks {
			return false // the PID now belongs to another process
		}
		cpu := c.processCPU(s, t, stat)
		ch <- prometheus.MustNewConstMetric(cpuDesc, prometheus.CounterValue, seconds(cpu.User), t.Server, "user")
		ch <- prometheus.MustNewConstMetric(cpuDesc, prometheus.CounterValue, seconds(cpu.System), t.Server, "system")
		ch <- prometheus.MustNewConstMetric(threadsDesc, prometheus.GaugeValue, float64(stat.NumThreads+c.treeThreads(id.PID)), t.Server)
		ch <- prometheus.MustNewConstMetric(startDesc, prometheus.GaugeValue, c.bootTime+float64(stat.Starttime)/userHZ, t.Server)
	}
	status, statusErr := p.NewStatus()
	if statusErr != nil {
		s.Partial(fmt.Errorf("%s: %w", t.Server, statusErr))
	} else {
		rss, hwm := c.treeMemory(id.PID)
		ch <- prometheus.MustNewConstMetric(rssDesc, prometheus.GaugeValue, float64(status.VmRSS+rss), t.Server)
		ch <- prometheus.MustNewConstMetric(rssMaxDesc, prometheus.GaugeValue, float64(status.VmHWM+hwm), t.Server)
		ch <- prometheus.MustNewConstMetric(vmDesc, prometheus.GaugeValue, float64(status.VmSize), t.Server)
	}
	if n, err := p.FileDescriptorsLen(); err != nil {
		s.Partial(fmt.Errorf("%s: open fds: %w", t.Server, err))
	} else {
		ch <- prometheus.MustNewConstMetric(fdsDesc, prometheus.GaugeValue, float64(n+c.treeFDs(id.PID)), t.Server)
	}
	// The main thread's counters are those of /proc/<pid>/status, already read.
	var leader *switches
	if statusErr == nil {
		leader = &switches{vol: status.VoluntaryCtxtSwitches, nonvol: status.NonVoluntaryCtxtSwitches}
	}
	if sum, err := c.contextSwitches(id.PID, leader); err != nil {
		s.Partial(fmt.Errorf("%s: context switches: %w", t.Server, err))
	} else {
		ch <- prometheus.MustNewConstMetric(ctxDesc, prometheus.CounterValue, float64(sum.vol), t.Server, "voluntary")
		ch <- prometheus.MustNewConstMetric(ctxDesc, prometheus.CounterValue, float64(sum.nonvol), t.Server, "nonvoluntary")
	}
	return true
}

// treeMemory sums the resident and peak resident memory of the processes below pid (a
// server's workers). Pages the workers share with their parent count in each: a sum is an
// upper bound, and for nginx's workers, whose buffers are their own, a close one.
func (c *ProcessCollector) treeMemory(pid int) (rss, hwm uint64) {
	for _, child := range proctree.Below(c.children, pid) {
		p, err := c.fs.Proc(child)
		if err != nil {
			continue
		}
		if st, err := p.NewStatus(); err == nil {
			rss += st.VmRSS
			hwm += st.VmHWM
		}
	}
	return rss, hwm
}

// treeThreads is the threads of the processes below pid.
func (c *ProcessCollector) treeThreads(pid int) int {
	n := 0
	for _, child := range proctree.Below(c.children, pid) {
		if p, err := c.fs.Proc(child); err == nil {
			if st, err := p.Stat(); err == nil {
				n += st.NumThreads
			}
		}
	}
	return n
}

// treeFDs is the open file descriptors of the processes below pid.
func (c *ProcessCollector) treeFDs(pid int) int {
	n := 0
	for _, child := range proctree.Below(c.children, pid) {
		if p, err := c.fs.Proc(child); err == nil {
			if k, err := p.FileDescriptorsLen(); err == nil {
				n += k
			}
		}
	}
	return n
}

type switches struct{ vol, nonvol uint64 }

// contextSwitches sums the counters of every thread: /proc/<pid>/status shows only the
// main thread's. leader, when known, stands for the main thread's file. A thread that exits
// between listing and reading is skipped.
func (c *ProcessCollector) contextSwitches(pid int, leader *switches) (switches, error) {
	dir := filepath.Join(c.root, strconv.Itoa(pid), "task")
	d, err := os.Open(dir)
	if err != nil {
		return switches{}, err
	}
	tids, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return switches{}, err
	}
	var sum switches
	var firstErr error
	self := strconv.Itoa(pid)
	for _, tid := range tids {
		if tid == self && leader != nil {
			sum.vol += leader.vol
			sum.nonvol += leader.nonvol
			continue
		}
		sw, err := c.readSwitches(filepath.Join(dir, tid, "status"))
		if err != nil {
			if !isNotExist(err) && firstErr == nil {
				firstErr = err
			}
			continue
		}
		sum.vol += sw.vol
		sum.nonvol += sw.nonvol
	}
	return sum, firstErr
}

var (
	volKey    = []byte("\nvoluntary_ctxt_switches:")
	nonvolKey = []byte("\nnonvoluntary_ctxt_switches:")
)

// readSwitches pulls the two counters out of a status file without parsing the rest, into
// a buffer kept between reads (scrapes run one at a time).
func (c *ProcessCollector) readSwitches(path string) (switches, error) {
	data, err := c.readSmall(path)
	if err != nil {
		return switches{}, err
	}
	vol, err := fieldAfter(data, volKey)
	if err != nil {
		return switches{}, fmt.Errorf("%s: %w", path, err)
	}
	nonvol, err := fieldAfter(data, nonvolKey)
	if err != nil {
		return switches{}, fmt.Errorf("%s: %w", path, err)
	}
	return switches{vol: vol, nonvol: nonvol}, nil
}

// readSmall reads a proc file whole; proc files report no size, so it reads until EOF.
func (c *ProcessCollector) readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if c.buf == nil {
		c.buf = make([]byte, 0, 8<<10)
	}
	buf := c.buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	c.buf = buf
	return buf, nil
}

func fieldAfter(data, key []byte) (uint64, error) {
	i := bytes.Index(data, key)
	if i < 0 {
		return 0, fmt.Errorf("no %s line", bytes.TrimSpace(key))
	}
	rest := data[i+len(key):]
	if j := bytes.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	return strconv.ParseUint(string(bytes.TrimSpace(rest)), 10, 64)
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, os.ErrNotExist)
}
