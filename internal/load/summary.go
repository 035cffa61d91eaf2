package load

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Summary is the end-of-run summary, computed in-process to cross-check what Prometheus
// computes from the pushed metrics. Rates are per second of Elapsed, the run's whole span
// including its graceful stop, which ssebench_load_elapsed_seconds also reports.
type Summary struct {
	TestID   string `json:"testid"`
	Server   string `json:"server"`
	Scenario string `json:"scenario"`
	Executor string `json:"executor"`
	Target   string `json:"target"`
	Aborted  bool   `json:"aborted"` // the run was cancelled (Ctrl-C) before its end

	Elapsed time.Duration `json:"-"`
	VUsMax  int           `json:"vus_max"`

	Requests     int64   `json:"http_reqs"`
	RequestRate  float64 `json:"http_reqs_per_second"`
	Failed       int64   `json:"http_req_failed"`      // transport error or failed check
	FailRate     float64 `json:"http_req_failed_rate"` // Failed / Requests, 0..1
	Iterations   int64   `json:"iterations"`
	Interrupted  int64   `json:"iterations_interrupted"` // cut by a graceful stop or ramp-down; not counted in Iterations
	Dropped      int64   `json:"dropped_iterations"`
	DataReceived int64   `json:"data_received_bytes"`
	DataSent     int64   `json:"data_sent_bytes"`
	Events       int64   `json:"stream_events"`
	Incomplete   int64   `json:"streams_incomplete"`    // status 200 without [DONE]
	FirstError   string  `json:"first_error,omitempty"` // the first request that failed by an error: why

	Goodput GoodputSummary `json:"goodput"` // the streams that met the SLO

	Checks []CheckSummary `json:"checks"`

	HTTPReqDuration   TrendSummary `json:"http_req_duration"`
	HTTPReqWaiting    TrendSummary `json:"http_req_waiting"`
	TimeToFirstToken  TrendSummary `json:"time_to_first_token"`
	EventGap          TrendSummary `json:"event_gap"`
	IterationDuration TrendSummary `json:"iteration_duration"`

	// The misbehaving clients (Options.Clients), apart from every figure above; nil: none.
	CancellingClients *CancelSummary     `json:"cancelling_clients,omitempty"`
	SlowReaders       *SlowReaderSummary `json:"slow_readers,omitempty"`

	Arrival *ArrivalSummary `json:"arrival,omitempty"` // a random arrival process and its seed; nil: evenly spaced
}

// CheckSummary counts one check's passes and failures.
type CheckSummary struct {
	Name   string `json:"name"`
	Passes int64  `json:"passes"`
	Fails  int64  `json:"fails"`
}

// FailPercent is the share of failed requests in percent, the writeup's "fail %".
func (s *Summary) FailPercent() float64 { return 100 * s.FailRate }

// executorName is sc's executor, "" without a scenario.
func executorName(sc Scenario) string {
	if sc == nil {
		return ""
	}
	return sc.Executor()
}

func (c *collector) summary(opts Options, elapsed time.Duration) *Summary {
	s := &Summary{
		TestID: opts.TestID, Server: opts.Server, Scenario: opts.ScenarioName, Executor: executorName(opts.Scenario),
		Target: opts.Target, Elapsed: elapsed, VUsMax: int(c.m.live.vusMax.Load()),
		Requests: c.requests.Load(), Failed: c.failedReqs.Load(), Iterations: c.iterations.Load(),
		Interrupted: c.interrupted.Load(), Dropped: c.dropped.Load(),
		DataReceived: c.bytesReceived.Load(), DataSent: c.bytesSent.Load(),
		Events: c.events.Load(), Incomplete: c.incomplete.Load(),
		FirstError:      derefOr(c.firstError.Load()),
		HTTPReqDuration: c.reqDuration.summary(), HTTPReqWaiting: c.reqWaiting.summary(),
		TimeToFirstToken: c.ttft.summary(), EventGap: c.gap.summary(), IterationDuration: c.iterDuration.summary(),
	}
	if secs := elapsed.Seconds(); secs > 0 {
		s.RequestRate = float64(s.Requests) / secs
	}
	if s.Requests > 0 {
		s.FailRate = float64(s.Failed) / float64(s.Requests)
	}
	s.Goodput = c.goodputSummary(s.Requests, elapsed)
	for i, name := range []string{CheckStatus200, CheckDone} {
		pass, all := c.m.live.checkPass[i].Load(), c.m.live.checkAll[i].Load()
		s.Checks = append(s.Checks, CheckSummary{Name: name, Passes: pass, Fails: all - pass})
	}
	return s
}

// MarshalJSON adds elapsed_seconds to the fields; durations inside are in milliseconds.
func (s Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	return json.Marshal(struct {
		plain
		ElapsedSeconds float64 `json:"elapsed_seconds"`
	}{plain(s), s.Elapsed.Seconds()})
}

// WriteJSON writes the summary as one indented JSON object.
func (s *Summary) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteText prints the summary the way k6 prints its end-of-test summary.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	state := ""
	if s.Aborted {
		state = " (aborted)"
	}
	fmt.Fprintf(&b, "\n  scenario: %s (%s)%s · server: %s · testid: %s\n", s.Scenario, s.Executor, state, s.Server, s.TestID)
	fmt.Fprintf(&b, "  target:   %s · elapsed %.1fs\n\n", s.Target, s.Elapsed.Seconds())
	for _, c := range s.Checks {
		mark := "✓"
		if c.Fails > 0 {
			mark = "✗"
		}
		fmt.Fprintf(&b, "     %s %s\n", mark, c.Name)
		if c.Fails > 0 {
			fmt.Fprintf(&b, "      ↳  %s — ✓ %d / ✗ %d\n", percent(c.Passes, c.Passes+c.Fails), c.Passes, c.Fails)
		}
	}
	b.WriteString("\n")
	var pass, all int64
	for _, c := range s.Checks {
		pass, all = pass+c.Passes, all+c.Passes+c.Fails
	}
	secs := s.Elapsed.Seconds()
	perSec := func(n int64) float64 {
		if secs <= 0 {
			return 0
		}
		return float64(n) / secs
	}
	line := func(name, value string) { fmt.Fprintf(&b, "     %s: %s\n", dots(name), value) }
	line("checks", fmt.Sprintf("%-7s ✓ %-8d ✗ %d", percent(pass, all), pass, all-pass))
	line("data_received", fmt.Sprintf("%-7s %s/s", siBytes(float64(s.DataReceived)), siBytes(perSec(s.DataReceived))))
	line("data_sent", fmt.Sprintf("%-7s %s/s", siBytes(float64(s.DataSent)), siBytes(perSec(s.DataSent))))
	line("dropped_iterations", fmt.Sprintf("%-7d %.2f/s", s.Dropped, perSec(s.Dropped)))
	line("event_gap", trendText(s.EventGap))
	line("http_req_duration", trendText(s.HTTPReqDuration))
	line("http_req_failed", fmt.Sprintf("%-7s ✓ %-8d ✗ %d", percent(s.Failed, s.Requests), s.Failed, s.Requests-s.Failed))
	line("http_req_waiting", trendText(s.HTTPReqWaiting))
	line("http_reqs", fmt.Sprintf("%-7d %.2f/s", s.Requests, s.RequestRate))
	line("iteration_duration", trendText(s.IterationDuration))
	line("iterations", fmt.Sprintf("%-7d %.2f/s (interrupted %d)", s.Iterations, perSec(s.Iterations), s.Interrupted))
	line("stream_events", fmt.Sprintf("%-7d %.2f/s (incomplete streams %d)", s.Events, perSec(s.Events), s.Incomplete))
	line("time_to_first_token", trendText(s.TimeToFirstToken))
	line("vus_max", fmt.Sprint(s.VUsMax))
	if s.FirstError != "" {
		line("first_error", s.FirstError)
	}
	fmt.Fprintf(&b, "\n     %s\n", s.Goodput.text())
	b.WriteString(s.arrivalText())
	b.WriteString(s.clientsText())
	_, err := io.WriteString(w, b.String())
	return err
}

func dots(name string) string {
	const width = 32
	if len(name) >= width {
		return name
	}
	return name + strings.Repeat(".", width-len(name))
}

func percent(n, of int64) string {
	if of == 0 {
		return "0.00%"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(n)/float64(of))
}

func trendText(t TrendSummary) string {
	return fmt.Sprintf("avg=%s min=%s med=%s max=%s p(90)=%s p(95)=%s count=%d",
		k6Duration(t.Avg), k6Duration(t.Min), k6Duration(t.Med), k6Duration(t.Max), k6Duration(t.P90), k6Duration(t.P95), t.Count)
}

// k6Duration formats like k6's summary: 850µs, 45.83ms, 1.2s.
func k6Duration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d < time.Millisecond:
		return trimZeros(fmt.Sprintf("%.2f", float64(d)/float64(time.Microsecond))) + "µs"
	case d < time.Second:
		return trimZeros(fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))) + "ms"
	default:
		return trimZeros(fmt.Sprintf("%.2f", d.Seconds())) + "s"
	}
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// siBytes formats like k6: 1.2 MB, 20 kB (decimal units).
func siBytes(n float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	i := 0
	for n >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f %s", n, units[i])
	}
	return fmt.Sprintf("%s %s", trimZeros(fmt.Sprintf("%.1f", n)), units[i])
}

func derefOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
