package aiperf

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", FileName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The types ssebench writes with decode AIPerf's own file, and what an AIPerf user reads —
// a metric's unit, avg and percentiles under its tag, the configuration, the times — is
// where AIPerf puts it.
func TestTheTypesReadAIPerfsFile(t *testing.T) {
	var e Export
	if err := json.Unmarshal(readFixture(t), &e); err != nil {
		t.Fatal(err)
	}
	if e.SchemaVersion != "1.1" || e.AIPerfVersion == "" || e.BenchmarkID == "" {
		t.Errorf("provenance: %q %q %q", e.SchemaVersion, e.AIPerfVersion, e.BenchmarkID)
	}
	lat := e.RequestLatency
	if lat == nil || lat.Unit != UnitMillis || *lat.Avg != 2620.71 || *lat.P50 != 2568.73 || *lat.P99 != 3371.24 ||
		*lat.Min != 2145.06 || *lat.Max != 3411.1 || *lat.Std != 297.93 || *lat.Count != 20 || *lat.Sum != 52414.29 {
		t.Errorf("request_latency: %+v", lat)
	}
	if m := e.TimeToFirstToken; m == nil || m.Unit != UnitMillis || *m.P90 != 251.6 || *m.P95 != 280.1 || *m.P1 != 121 {
		t.Errorf("time_to_first_token: %+v", m)
	}
	if m := e.InterTokenLatency; m == nil || m.Unit != UnitMillis || *m.Avg != 9.71 {
		t.Errorf("inter_token_latency: %+v", m)
	}
	// Rates and counts carry unit and avg alone.
	for tag, want := range map[string]struct {
		unit string
		avg  float64
	}{
		TagRequestThroughput: {UnitRequestsPerSecond, 1.45}, TagRequestCount: {UnitRequests, 20},
		TagGoodput: {UnitRequestsPerSecond, 1.3}, TagGoodRequestCount: {UnitRequests, 18},
	} {
		m := e.Metrics()[tag]
		if m == nil || m.Unit != want.unit || *m.Avg != want.avg || m.Count != nil || m.P50 != nil {
			t.Errorf("%s: %+v, want unit %s and avg %g alone", tag, m, want.unit, want.avg)
		}
	}
	if e.InputConfig == nil || !strings.Contains(string(e.InputConfig.Endpoint), `"model_names"`) ||
		!strings.Contains(string(e.InputConfig.Loadgen), `"concurrency"`) || e.SSEBench != nil {
		t.Errorf("input_config: %+v", e.InputConfig)
	}
	if e.WasCancelled == nil || *e.WasCancelled {
		t.Errorf("was_cancelled: %v", e.WasCancelled)
	}
	if want := time.Date(2026, 1, 15, 10, 0, 0, 123456000, time.UTC); e.StartTime == nil || !e.StartTime.Equal(want) {
		t.Errorf("start_time %v, want %v (AIPerf's naive time read as UTC)", e.StartTime, want)
	}
}

// Every metric block of AIPerf's file — those ssebench writes and the others — decodes into
// Metric with no field left over: the type knows every statistic AIPerf writes.
func TestMetricKnowsEveryStatisticAIPerfWrites(t *testing.T) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(readFixture(t), &top); err != nil {
		t.Fatal(err)
	}
	blocks := 0
	for key, raw := range top {
		if !isMetricBlock(raw) {
			continue
		}
		blocks++
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var m Metric
		if err := dec.Decode(&m); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
	if blocks < 10 {
		t.Fatalf("found %d metric blocks in the fixture, want its 12", blocks)
	}
}

// isMetricBlock: AIPerf's metrics are the top-level objects with a unit.
func isMetricBlock(raw json.RawMessage) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) != nil {
		return false
	}
	_, ok := probe["unit"]
	return ok
}

func TestTimestampsReadAsAIPerfWritesThem(t *testing.T) {
	for in, want := range map[string]time.Time{
		`"2026-01-15T10:00:00"`:              time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC),
		`"2026-01-15T10:00:00.5"`:            time.Date(2026, 1, 15, 10, 0, 0, 5e8, time.UTC),
		`"2026-01-15T10:00:00.5Z"`:           time.Date(2026, 1, 15, 10, 0, 0, 5e8, time.UTC),
		`"2026-01-15T12:00:00.000001+02:00"`: time.Date(2026, 1, 15, 10, 0, 0, 1000, time.UTC),
	} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(in), &ts); err != nil || !ts.Equal(want) {
			t.Errorf("%s: got %v, %v; want %v", in, ts, err, want)
		}
	}
	for _, in := range []string{`"yesterday"`, `1768471200`, `"2026-01-15"`} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(in), &ts); err == nil {
			t.Errorf("%s: accepted as %v", in, ts)
		}
	}
	out, err := json.Marshal(Timestamp{time.Date(2026, 1, 15, 12, 0, 0, 0, time.FixedZone("x", 7200))})
	if err != nil || string(out) != `"2026-01-15T10:00:00Z"` {
		t.Errorf("written as %s, %v; want RFC 3339 in UTC", out, err)
	}
}
