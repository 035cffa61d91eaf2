package collector

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"
)

// userHZ is the unit of the tick counts in /proc/<pid>/stat on every Linux build that matters.
const userHZ = 100

var (
	serverLabel = []string{"server"}

	upDesc = prometheus.NewDesc(namespace+"_process_up",
		"1 when the server's process was found, 0 when it was not.", serverLabel, nil)
	restartsDesc = prometheus.NewDesc(namespace+"_process_restarts_total",
		"Times the server's process identity (PID, start time) changed since the exporter started.", serverLabel, nil)
	cpuDesc = prometheus.NewDesc(namespace+"_process_cpu_seconds_total",
		"CPU time the process has used, by mode (user, system).", []string{"server", "mode"}, nil)
	rssDesc = prometheus.NewDesc(namespace+"_process_resident_memory_bytes",
		"Resident set size (VmRSS).", serverLabel, nil)
	rssMaxDesc = prometheus.NewDesc(namespace+"_process_resident_memory_max_bytes",
		"Peak resident set size since the process started (VmHWM): exact, not sampled.", serverLabel, nil)
	vmDesc = prometheus.NewDesc(namespace+"_process_virtual_memory_bytes",
		"Virtual memory size (VmSize).", serverLabel, nil)
	threadsDesc = prometheus.NewDesc(namespace+"_process_threads",
		"Threads in the process.", serverLabel, nil)
	fdsDesc = prometheus.NewDesc(namespace+"_process_open_fds",
		"Open file descriptors.", serverLabel, nil)
	ctxDesc = prometheus.NewDesc(namespace+"_process_context_switches_total",
		"Context switches summed over the process's live threads, by kind (voluntary, nonvoluntary).", []string{"server", "kind"}, nil)
	startDesc = prometheus.NewDesc(namespace+"_process_start_time_seconds",
		"Unix time the process started.", serverLabel, nil)
)

// ProcessCollector reads /proc/<pid>/stat, status, fd and task/*/status; never smaps,
// whose reads take the process's memory lock and stall the server being measured.
type ProcessCollector struct {
	fs       procfs.FS
	root     string
	bootTime float64
}

// NewProcessCollector reads the boot time once: start times are offsets from it.
func NewProcessCollector(root string) (*ProcessCollector, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return nil, err
	}
	st, err := fs.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading boot time: %w", err)
	}
	return &ProcessCollector{fs: fs, root: root, bootTime: float64(st.BootTime)}, nil
}

func (c *ProcessCollector) Name() string { return "process" }

func (c *ProcessCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{upDesc, restartsDesc, cpuDesc, rssDesc, rssMaxDesc, vmDesc, threadsDesc, fdsDesc, ctxDesc, startDesc} {
		ch <- d
	}
}

func (c *ProcessCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	for _, t := range s.Targets {
		ch <- prometheus.MustNewConstMetric(restartsDesc, prometheus.CounterValue, float64(t.State.Restarts), t.Server)
		up := t.State.ID.Valid() && c.updateOne(s, t, ch)
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, boolFloat(up), t.Server)
	}
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
		ch <- prometheus.MustNewConstMetric(cpuDesc, prometheus.CounterValue, float64(stat.UTime)/userHZ, t.Server, "user")
		ch <- prometheus.MustNewConstMetric(cpuDesc, prometheus.CounterValue, float64(stat.STime)/userHZ, t.Server, "system")
		ch <- prometheus.MustNewConstMetric(threadsDesc, prometheus.GaugeValue, float64(stat.NumThreads), t.Server)
		ch <- prometheus.MustNewConstMetric(startDesc, prometheus.GaugeValue, c.bootTime+float64(stat.Starttime)/userHZ, t.Server)
	}
	if status, err := p.NewStatus(); err != nil {
		s.Partial(fmt.Errorf("%s: %w", t.Server, err))
	} else {
		ch <- prometheus.MustNewConstMetric(rssDesc, prometheus.GaugeValue, float64(status.VmRSS), t.Server)
		ch <- prometheus.MustNewConstMetric(rssMaxDesc, prometheus.GaugeValue, float64(status.VmHWM), t.Server)
		ch <- prometheus.MustNewConstMetric(vmDesc, prometheus.GaugeValue, float64(status.VmSize), t.Server)
	}
	if n, err := p.FileDescriptorsLen(); err != nil {
		s.Partial(fmt.Errorf("%s: open fds: %w", t.Server, err))
	} else {
		ch <- prometheus.MustNewConstMetric(fdsDesc, prometheus.GaugeValue, float64(n), t.Server)
	}
	if vol, nonvol, err := c.contextSwitches(id.PID); err != nil {
		s.Partial(fmt.Errorf("%s: context switches: %w", t.Server, err))
	} else {
		ch <- prometheus.MustNewConstMetric(ctxDesc, prometheus.CounterValue, float64(vol), t.Server, "voluntary")
		ch <- prometheus.MustNewConstMetric(ctxDesc, prometheus.CounterValue, float64(nonvol), t.Server, "nonvoluntary")
	}
	return true
}

// contextSwitches sums the counters of every thread: /proc/<pid>/status shows only the
// main thread's. A thread that exits between listing and reading is skipped.
func (c *ProcessCollector) contextSwitches(pid int) (vol, nonvol uint64, err error) {
	dir := filepath.Join(c.root, strconv.Itoa(pid), "task")
	d, err := os.Open(dir)
	if err != nil {
		return 0, 0, err
	}
	tids, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return 0, 0, err
	}
	var firstErr error
	for _, tid := range tids {
		v, n, err := readSwitches(filepath.Join(dir, tid, "status"))
		if err != nil {
			if !isNotExist(err) && firstErr == nil {
				firstErr = err
			}
			continue
		}
		vol += v
		nonvol += n
	}
	return vol, nonvol, firstErr
}

var (
	volKey    = []byte("\nvoluntary_ctxt_switches:")
	nonvolKey = []byte("\nnonvoluntary_ctxt_switches:")
)

// readSwitches pulls the two counters out of a status file without parsing the rest.
func readSwitches(path string) (vol, nonvol uint64, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	vol, err = fieldAfter(data, volKey)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	nonvol, err = fieldAfter(data, nonvolKey)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return vol, nonvol, nil
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
