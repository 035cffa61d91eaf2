package load

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"
)

func exampleSummary() *Summary {
	return &Summary{Elapsed: 10 * time.Second, VUsMax: 10, Requests: 1000, Failed: 10, Iterations: 1000,
		DataReceived: 2_000_000, DataSent: 300_000,
		Checks:          []CheckSummary{{Name: CheckStatus200, Passes: 995, Fails: 5}, {Name: CheckDone, Passes: 990, Fails: 10}},
		HTTPReqDuration: TrendSummary{Count: 1000, Avg: 12345 * time.Microsecond, Min: 9 * time.Millisecond, Med: 12 * time.Millisecond, P90: 15 * time.Millisecond, P95: 17 * time.Millisecond, Max: 40 * time.Millisecond}}
}

// TestK6ExportHasK6sShape: the keys and units of k6's --summary-export file.
func TestK6ExportHasK6sShape(t *testing.T) {
	var buf bytes.Buffer
	if err := exampleSummary().WriteK6Export(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		RootGroup struct {
			ID     string `json:"id"`
			Checks []struct {
				Name, Path, ID string
				Passes, Fails  int64
			} `json:"checks"`
		} `json:"root_group"`
		Metrics map[string]map[string]float64 `json:"metrics"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	m := got.Metrics
	for _, c := range []struct {
		metric, stat string
		want         float64
	}{
		{"http_reqs", "count", 1000}, {"http_reqs", "rate", 100},
		{"http_req_failed", "passes", 10}, {"http_req_failed", "fails", 990}, {"http_req_failed", "value", 0.01},
		{"checks", "passes", 1985}, {"checks", "fails", 15},
		{"http_req_duration", "avg", 12.345}, {"http_req_duration", "p(95)", 17}, {"http_req_duration", "max", 40},
		{"data_received", "count", 2_000_000}, {"vus_max", "value", 10},
	} {
		if v, ok := m[c.metric][c.stat]; !ok || v != c.want {
			t.Errorf("metrics.%s[%q] = %v (present %v), want %v", c.metric, c.stat, v, ok, c.want)
		}
	}
	// k6's ids: the MD5 of the path; the root group's path is empty.
	if got.RootGroup.ID != "d41d8cd98f00b204e9800998ecf8427e" || len(got.RootGroup.Checks) != 2 ||
		got.RootGroup.Checks[1].Path != "::"+CheckDone || got.RootGroup.Checks[1].Fails != 10 {
		t.Errorf("root_group: %+v", got.RootGroup)
	}
}

func TestSummaryCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := exampleSummary().WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "metric" || rows[0][1] != "stat" || rows[0][2] != "value" {
		t.Fatalf("header %v", rows[0])
	}
	want := map[[2]string]string{{"http_req_duration", "p(95)"}: "17", {"http_reqs", "rate"}: "100", {"checks", "value"}: "0.9925"}
	var trendOrder []string
	for _, r := range rows[1:] {
		if w, ok := want[[2]string{r[0], r[1]}]; ok && w != r[2] {
			t.Errorf("%s %s = %s, want %s", r[0], r[1], r[2], w)
		}
		delete(want, [2]string{r[0], r[1]})
		if r[0] == "http_req_duration" {
			trendOrder = append(trendOrder, r[1])
		}
	}
	if len(want) > 0 {
		t.Errorf("rows missing: %v", want)
	}
	if len(trendOrder) != len(k6TrendStats) || trendOrder[0] != "avg" || trendOrder[5] != "p(95)" {
		t.Errorf("trend statistics in order %v, want k6's %v", trendOrder, k6TrendStats)
	}
}
