// Package collector publishes each target process's resource use, read from procfs at
// scrape time. One collector per file; the Exporter runs them in turn, times each one and
// counts partial errors (a read that failed while the rest of the scrape went on).
package collector

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssebench/ssebench/internal/discovery"
	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/metricname"
)

// Target is one server as a scrape sees it.
type Target struct {
	Server string
	State  discovery.State
}

// Scrape carries what one collection shares between collectors and gathers their partial errors.
type Scrape struct {
	Targets []Target
	errs    []error
}

// Partial records a read that failed while the collector carried on.
func (s *Scrape) Partial(err error) {
	if err != nil {
		s.errs = append(s.errs, err)
	}
}

// Collector is one group of metrics.
type Collector interface {
	Name() string
	Describe(ch chan<- *prometheus.Desc)
	// Update sends the metrics; an error means the collector failed as a whole.
	Update(s *Scrape, ch chan<- prometheus.Metric) error
}

var (
	successDesc = prometheus.NewDesc(metricname.ExporterCollectorSuccess,
		"1 when the collector's last scrape had no error, partial or whole.", []string{"collector"}, nil)
	durationDesc = prometheus.NewDesc(metricname.ExporterCollectorDuration,
		"How long the collector's last scrape took.", []string{"collector"}, nil)
	partialDesc = prometheus.NewDesc(metricname.ExporterCollectorPartialErrors,
		"Reads that failed (e.g. permission denied) while the scrape went on.", []string{"collector"}, nil)
	targetsDesc = prometheus.NewDesc(metricname.ExporterTargets,
		"Targets configured.", nil, nil)
	reloadOKDesc = prometheus.NewDesc(metricname.ExporterConfigReloadSuccessful,
		"1 when the last configuration load succeeded.", nil, nil)
	reloadTimeDesc = prometheus.NewDesc(metricname.ExporterConfigReloadSuccessTime,
		"Unix time of the last successful configuration load.", nil, nil)
)

// discoveryName is the pseudo-collector that times finding the processes.
const discoveryName = "discovery"

// Exporter is the prometheus.Collector that serves /metrics.
type Exporter struct {
	finder     *discovery.Finder
	collectors []Collector
	logger     *slog.Logger

	mu       sync.Mutex // one scrape at a time: trackers and counters are shared
	trackers []*discovery.Tracker
	partial  map[string]uint64
	reloadOK bool
	reloadAt time.Time
}

// Option changes where New reads the machine.
type Option func(*settings)

type settings struct {
	cgroupRoot string
}

// WithCgroupRoot reads cgroups under dir instead of /sys/fs/cgroup.
func WithCgroupRoot(dir string) Option { return func(s *settings) { s.cgroupRoot = dir } }

// New builds an exporter reading procRoot (normally /proc).
func New(procRoot string, logger *slog.Logger, opts ...Option) (*Exporter, error) {
	set := settings{cgroupRoot: "/sys/fs/cgroup"}
	for _, o := range opts {
		o(&set)
	}
	finder, err := discovery.NewFinder(procRoot)
	if err != nil {
		return nil, err
	}
	proc, err := NewProcessCollector(procRoot, set.cgroupRoot)
	if err != nil {
		return nil, err
	}
	return &Exporter{
		finder:     finder,
		collectors: []Collector{proc, NewTCPCollector(procRoot)},
		logger:     logger,
		partial:    map[string]uint64{},
	}, nil
}

// SetTargets replaces the target list; a target whose discovery rule is unchanged keeps
// its process identity and restart count.
func (e *Exporter) SetTargets(targets []exporterconfig.Target) {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := map[string]*discovery.Tracker{}
	for _, tr := range e.trackers {
		old[tr.Target.Key()] = tr
	}
	e.trackers = e.trackers[:0:0]
	for _, t := range targets {
		tr, ok := old[t.Key()]
		if !ok {
			tr = discovery.NewTracker(t)
		}
		e.trackers = append(e.trackers, tr)
	}
}

// RecordReload notes the outcome of a configuration load.
func (e *Exporter) RecordReload(ok bool, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reloadOK = ok
	if ok {
		e.reloadAt = at
	}
}

// Describe sends every descriptor the exporter can produce.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{successDesc, durationDesc, partialDesc, targetsDesc, reloadOKDesc, reloadTimeDesc} {
		ch <- d
	}
	for _, c := range e.collectors {
		c.Describe(ch)
	}
}

// Collect finds every target's process, then runs the collectors.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &Scrape{}
	e.timed(discoveryName, s, ch, func() error {
		for _, tr := range e.trackers {
			st, err := tr.Resolve(e.finder)
			s.Partial(err)
			s.Targets = append(s.Targets, Target{Server: tr.Target.Server, State: st})
		}
		return nil
	})
	for _, c := range e.collectors {
		e.timed(c.Name(), s, ch, func() error { return c.Update(s, ch) })
	}
	ch <- prometheus.MustNewConstMetric(targetsDesc, prometheus.GaugeValue, float64(len(e.trackers)))
	ch <- prometheus.MustNewConstMetric(reloadOKDesc, prometheus.GaugeValue, boolFloat(e.reloadOK))
	ch <- prometheus.MustNewConstMetric(reloadTimeDesc, prometheus.GaugeValue, unixSeconds(e.reloadAt))
}

// timed runs one collector and reports its success, duration and partial errors.
func (e *Exporter) timed(name string, s *Scrape, ch chan<- prometheus.Metric, run func() error) {
	s.errs = s.errs[:0]
	start := time.Now()
	err := run()
	elapsed := time.Since(start)
	if err != nil {
		e.logger.Warn("collector failed", "collector", name, "err", err)
	}
	for _, pe := range s.errs {
		e.logger.Debug("partial error", "collector", name, "err", pe)
	}
	e.partial[name] += uint64(len(s.errs))
	ok := err == nil && len(s.errs) == 0
	ch <- prometheus.MustNewConstMetric(successDesc, prometheus.GaugeValue, boolFloat(ok), name)
	ch <- prometheus.MustNewConstMetric(durationDesc, prometheus.GaugeValue, elapsed.Seconds(), name)
	ch <- prometheus.MustNewConstMetric(partialDesc, prometheus.CounterValue, float64(e.partial[name]), name)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// gone reports whether err means the process exited between two reads.
func gone(err error) bool {
	return errors.Is(err, discovery.ErrNotFound) || isNotExist(err)
}
