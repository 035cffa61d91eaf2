package aiperf

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// FileName is the name AIPerf gives the file, kept so that its tools find it.
const FileName = "profile_export_aiperf.json"

// SchemaVersion is the version of AIPerf's schema an ssebench export conforms to. 1.1 added
// count and sum to the record metrics, which ssebench has exactly; what later versions add
// (run_info, warmup_metrics, telemetry platforms) ssebench does not write, and AIPerf's page
// asks readers to ignore what they do not know, so a reader of any 1.x reads the file.
const SchemaVersion = "1.1"

// SchemaSource names the page the shape was taken from, for the file's own record of it.
const SchemaSource = "AIPerf's \"profile_export_aiperf.json Schema\" (docs/reference/json-export-schema.md, github.com/ai-dynamo/aiperf), schema " + SchemaVersion

// Export is one profile_export_aiperf.json: a JSON object whose metrics are top-level
// objects keyed by AIPerf's metric tag, beside the run's provenance. Only the metrics
// ssebench writes are fields here; AIPerf's others (token counts and throughputs, timestamps,
// telemetry) are left out, and a file that has them still decodes.
type Export struct {
	SchemaVersion string `json:"schema_version,omitempty"`
	// AIPerfVersion is the AIPerf that wrote the file. ssebench is not AIPerf: it leaves
	// it out and says who wrote the file in SSEBench.
	AIPerfVersion string `json:"aiperf_version,omitempty"`
	BenchmarkID   string `json:"benchmark_id,omitempty"`

	RequestThroughput *Metric `json:"request_throughput,omitempty"`
	RequestLatency    *Metric `json:"request_latency,omitempty"`
	RequestCount      *Metric `json:"request_count,omitempty"`
	TimeToFirstToken  *Metric `json:"time_to_first_token,omitempty"`
	InterTokenLatency *Metric `json:"inter_token_latency,omitempty"`
	Goodput           *Metric `json:"goodput,omitempty"`
	GoodRequestCount  *Metric `json:"good_request_count,omitempty"`

	// SSEBench is ssebench's own block in the place of AIPerf's input_config: what ssebench
	// knows of the profile. AIPerf's JsonExportData keeps unknown top-level keys (extra
	// "allow"), while an input_config must be a whole AIPerf configuration (its endpoint
	// and model are required): under input_config, ssebench's block would make AIPerf's own
	// model refuse the file.
	SSEBench *Provenance `json:"ssebench,omitempty"`

	// InputConfig is AIPerf's configuration of the profile, read from AIPerf's files;
	// ssebench writes none (see SSEBench).
	InputConfig  *InputConfig `json:"input_config,omitempty"`
	WasCancelled *bool        `json:"was_cancelled,omitempty"`
	StartTime    *Timestamp   `json:"start_time,omitempty"`
	EndTime      *Timestamp   `json:"end_time,omitempty"`
}

// Metric is one metric's statistics, AIPerf's JsonMetricResult: a field is absent when it
// does not apply (a rate has avg only) or, in ssebench's files, when ssebench cannot give it.
type Metric struct {
	Unit  string   `json:"unit"`
	Avg   *float64 `json:"avg,omitempty"`
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
	P1    *float64 `json:"p1,omitempty"`
	P5    *float64 `json:"p5,omitempty"`
	P10   *float64 `json:"p10,omitempty"`
	P25   *float64 `json:"p25,omitempty"`
	P50   *float64 `json:"p50,omitempty"`
	P75   *float64 `json:"p75,omitempty"`
	P90   *float64 `json:"p90,omitempty"`
	P95   *float64 `json:"p95,omitempty"`
	P99   *float64 `json:"p99,omitempty"`
	Std   *float64 `json:"std,omitempty"`
	Count *int64   `json:"count,omitempty"`
	Sum   *float64 `json:"sum,omitempty"`
}

// percentile is the field of percentile p, nil for one AIPerf does not report.
func (m *Metric) percentile(p int) **float64 {
	switch p {
	case 1:
		return &m.P1
	case 5:
		return &m.P5
	case 10:
		return &m.P10
	case 25:
		return &m.P25
	case 50:
		return &m.P50
	case 75:
		return &m.P75
	case 90:
		return &m.P90
	case 95:
		return &m.P95
	case 99:
		return &m.P99
	}
	return nil
}

// Metrics are the export's metrics by tag, those it has.
func (e *Export) Metrics() map[string]*Metric {
	out := map[string]*Metric{}
	for tag, m := range map[string]*Metric{
		TagRequestThroughput: e.RequestThroughput, TagRequestLatency: e.RequestLatency, TagRequestCount: e.RequestCount,
		TagTimeToFirstToken: e.TimeToFirstToken, TagInterTokenLatency: e.InterTokenLatency,
		TagGoodput: e.Goodput, TagGoodRequestCount: e.GoodRequestCount,
	} {
		if m != nil {
			out[tag] = m
		}
	}
	return out
}

// slot is the field of the metric tag.
func (e *Export) slot(tag string) (**Metric, error) {
	switch tag {
	case TagRequestThroughput:
		return &e.RequestThroughput, nil
	case TagRequestLatency:
		return &e.RequestLatency, nil
	case TagRequestCount:
		return &e.RequestCount, nil
	case TagTimeToFirstToken:
		return &e.TimeToFirstToken, nil
	case TagInterTokenLatency:
		return &e.InterTokenLatency, nil
	case TagGoodput:
		return &e.Goodput, nil
	case TagGoodRequestCount:
		return &e.GoodRequestCount, nil
	}
	return nil, fmt.Errorf("aiperf: no field for metric %q", tag)
}

// InputConfig is AIPerf's input_config, the configuration the profile ran with: the
// sections AIPerf's own tools read, kept as they are.
type InputConfig struct {
	Endpoint json.RawMessage `json:"endpoint,omitempty"` // model_names, type, url, …
	Loadgen  json.RawMessage `json:"loadgen,omitempty"`  // concurrency, request_count, …
}

// Provenance is what ssebench knows of the profile: which run, server and scenario it is,
// which trials it pools and over what window, and what each metric measured.
type Provenance struct {
	Note     string    `json:"note"`
	Version  string    `json:"version"` // ssebench's (internal/version)
	Schema   string    `json:"schema"`  // SchemaSource
	TestID   string    `json:"testid"`
	Trials   []string  `json:"trials"` // the testid of each trial pooled
	Server   string    `json:"server"`
	Scenario string    `json:"scenario"`
	RunStart time.Time `json:"run_start"` // the run's window, every server's; not this profile's own
	RunEnd   time.Time `json:"run_end"`
	// Meanings say, by AIPerf tag, what ssebench measured under it.
	Meanings map[string]string `json:"meanings"`
}

// Timestamp is a time as AIPerf writes it: ISO 8601, with an offset or — as its exporter
// writes Python's naive datetimes — without one, read as UTC as its schema page says the
// times are. Written in RFC 3339, UTC.
type Timestamp struct{ time.Time }

// naiveLayout is an ISO 8601 time without an offset, fraction optional.
const naiveLayout = "2006-01-02T15:04:05.999999999"

func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("aiperf: a time must be a string, got %s", b)
	}
	for _, layout := range []string{time.RFC3339Nano, naiveLayout} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("aiperf: time %q: want ISO 8601, e.g. 2025-10-10T18:47:32.5 or 2025-10-10T18:47:32.5Z", strings.TrimSpace(s))
}

func (t Timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}
