package load

import (
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"sort"
	"strconv"
	"time"
)

// k6 names the trend statistics of its summary this way (summaryTrendStats of k6/sse.ts).
var k6TrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}

// K6Export is the summary in the shape of k6's --summary-export file (the legacy summary
// JSON): "metrics" keyed by k6's metric names, trends in milliseconds, counters with count
// and rate, rates with passes, fails and value; "root_group" with the checks. Tools that
// read k6's file read this one.
func (s *Summary) K6Export() map[string]any {
	secs := s.Elapsed.Seconds()
	counter := func(n int64) map[string]any {
		rate := 0.0
		if secs > 0 {
			rate = float64(n) / secs
		}
		return map[string]any{"count": n, "rate": rate}
	}
	metrics := map[string]any{
		"http_reqs":          counter(s.Requests),
		"iterations":         counter(s.Iterations),
		"dropped_iterations": counter(s.Dropped),
		"data_received":      counter(s.DataReceived),
		"data_sent":          counter(s.DataSent),
		"http_req_failed":    k6Rate(s.Failed, s.Requests-s.Failed),
		"vus_max":            map[string]any{"value": s.VUsMax, "min": s.VUsMax, "max": s.VUsMax},
		"http_req_duration":  s.HTTPReqDuration.k6Stats(),
		"http_req_waiting":   s.HTTPReqWaiting.k6Stats(),
		"iteration_duration": s.IterationDuration.k6Stats(),
		// ssebench's own, under k6's naming of custom metrics.
		"time_to_first_token": s.TimeToFirstToken.k6Stats(),
		"event_gap":           s.EventGap.k6Stats(),
		"stream_events":       counter(s.Events),
		"goodput_streams":     counter(s.Goodput.Streams), // met the SLO (Summary.Goodput)
	}
	var passes, fails int64
	checks := []map[string]any{}
	for _, c := range s.Checks {
		passes, fails = passes+c.Passes, fails+c.Fails
		checks = append(checks, map[string]any{"name": c.Name, "path": "::" + c.Name, "id": k6ID("::" + c.Name),
			"passes": c.Passes, "fails": c.Fails})
	}
	metrics["checks"] = k6Rate(passes, fails)
	return map[string]any{
		"root_group": map[string]any{"name": "", "path": "", "id": k6ID(""), "groups": []any{}, "checks": checks},
		"metrics":    metrics,
	}
}

// k6Rate is a Rate metric: passes are the non-zero samples (for http_req_failed, failures).
func k6Rate(passes, fails int64) map[string]any {
	value := 0.0
	if passes+fails > 0 {
		value = float64(passes) / float64(passes+fails)
	}
	return map[string]any{"passes": passes, "fails": fails, "value": value}
}

// k6ID is how k6 identifies a group or check: the MD5 of its path.
func k6ID(path string) string {
	sum := md5.Sum([]byte(path))
	return hex.EncodeToString(sum[:])
}

func (t TrendSummary) k6Stats() map[string]any {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return map[string]any{"avg": ms(t.Avg), "min": ms(t.Min), "med": ms(t.Med), "max": ms(t.Max),
		"p(90)": ms(t.P90), "p(95)": ms(t.P95)}
}

// WriteK6Export writes K6Export as indented JSON.
func (s *Summary) WriteK6Export(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s.K6Export())
}

// WriteCSV writes the k6-shaped summary as rows of metric, stat, value (a header first),
// metrics in name order and each metric's statistics in k6's order, for spreadsheets.
func (s *Summary) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"metric", "stat", "value"})
	metrics := s.K6Export()["metrics"].(map[string]any)
	names := make([]string, 0, len(metrics))
	for n := range metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		stats := metrics[n].(map[string]any)
		for _, stat := range statOrder(stats) {
			_ = cw.Write([]string{n, stat, formatStat(stats[stat])})
		}
	}
	cw.Flush()
	return cw.Error()
}

// statOrder lists a metric's statistics as k6 prints them: a trend's in summaryTrendStats
// order, any other's alphabetically.
func statOrder(stats map[string]any) []string {
	if _, trend := stats["p(95)"]; trend {
		return k6TrendStats
	}
	keys := make([]string, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func formatStat(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}
