package catalog

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Vars are the values of the Grafana variables an expression may use.
type Vars struct {
	TestID       string        // $testid: one benchmark run
	Run          string        // $run: a run of trials, its testids <run>-t1 … -tN (or <run> alone)
	Servers      []string      // $server: empty means every server
	Compare      []string      // $compare: the servers of the normalized comparison; empty means every server
	Range        time.Duration // $__range: the window the results are computed over
	RateInterval time.Duration // $__rate_interval: 0 means 4× the 1 s push and scrape interval
	Interval     time.Duration // $__interval: a range query's step; 0 means 1 minute
}

// Render substitutes Vars into q's expression, giving PromQL that Prometheus accepts.
func (q Query) Render(v Vars) (string, error) {
	if strings.Contains(q.Expr, "$testid") && v.TestID == "" {
		return "", fmt.Errorf("catalog: %s needs a testid", q.Name)
	}
	if strings.Contains(q.Expr, "$run") && v.Run == "" {
		return "", fmt.Errorf("catalog: %s needs a run id", q.Name)
	}
	if strings.Contains(q.Expr, "$__range") && v.Range <= 0 {
		return "", fmt.Errorf("catalog: %s needs a positive range", q.Name)
	}
	rate := v.RateInterval
	if rate <= 0 {
		rate = 4 * time.Second
	}
	interval := v.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	r := strings.NewReplacer(
		"$__rate_interval", promDuration(rate),
		"$__interval", promDuration(interval),
		"$__range", promDuration(v.Range),
		"$testid", escapeLabelValue(v.TestID),
		"$run", escapeLabelValue(regexp.QuoteMeta(v.Run)), // only ever inside a regex matcher
		"$server", alternation(v.Servers),
		"$compare", alternation(v.Compare),
	)
	return r.Replace(q.Expr), nil
}

// MustRender is Render for callers whose Vars are known to be complete.
func (q Query) MustRender(v Vars) string {
	s, err := q.Render(v)
	if err != nil {
		panic(err)
	}
	return s
}

// promDuration rounds up to whole seconds: Prometheus durations have no fractions.
func promDuration(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return fmt.Sprintf("%ds", s)
}

// alternation renders a multi-value variable the way Grafana does for a regex matcher.
func alternation(values []string) string {
	if len(values) == 0 {
		return ".*"
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = escapeLabelValue(regexp.QuoteMeta(v))
	}
	return strings.Join(quoted, "|")
}

// escapeLabelValue makes a value safe inside a double-quoted PromQL string.
func escapeLabelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
