package catalog

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/metricname"
)

// AIPerf's figures as ssebench measures them: the queries `ssebench report --format aiperf`
// (internal/aiperf) reads to write NVIDIA AIPerf's profile_export_aiperf.json, one value per
// (server, scenario) of one trial ($testid), over the trial's $__range, as the results table
// reads its cells. Only what the load generator's series give exactly or as the results
// table gives it is here: a histogram's count, sum and quantiles (±1.1 %, the native
// histograms' resolution), an exact maximum where a gauge keeps one, counters. No minimum,
// no standard deviation, no token counts: docs/aiperf.md lists what is left out and why.
//
// Means are not queries: internal/aiperf divides a distribution's sum by its count, which
// stays exact when it pools the trials of a run.

// An AIPerfDistribution is the queries of one distribution AIPerf reports as a record
// metric: its observations' count and sum, quantiles and, where ssebench keeps one, an
// exact maximum. A zero Query is a figure ssebench cannot give.
type AIPerfDistribution struct {
	Count, SumMs               Query
	P50Ms, P90Ms, P95Ms, P99Ms Query
	MaxMs                      Query
}

// Quantiles are the distribution's quantile queries by percentile, the ones it has.
func (d AIPerfDistribution) Quantiles() map[int]Query {
	out := map[int]Query{}
	for p, q := range map[int]Query{50: d.P50Ms, 90: d.P90Ms, 95: d.P95Ms, 99: d.P99Ms} {
		if q.Name != "" {
			out[p] = q
		}
	}
	return out
}

// Queries are the distribution's queries, the ones it has, in a fixed order.
func (d AIPerfDistribution) Queries() []Query {
	var out []Query
	for _, q := range []Query{d.Count, d.SumMs, d.P50Ms, d.P90Ms, d.P95Ms, d.P99Ms, d.MaxMs} {
		if q.Name != "" {
			out = append(out, q)
		}
	}
	return out
}

// histogramCount and histogramSum are a run's observations of a native histogram and their
// sum, exact (a native histogram keeps both as plain numbers).
func histogramCount(metric string) runValue {
	return func(p pick) string { return byRun("sum", "histogram_count("+p(metric)+")") }
}

func histogramSum(metric string) runValue {
	return func(p pick) string { return byRun("sum", "histogram_sum("+p(metric)+")") }
}

// exactMax is the largest value a load-generator gauge kept; a run split over instances
// keeps the largest of theirs. k6 sends no such gauge: its runs have none.
func exactMax(gauge string) runValue {
	return func(p pick) string { return byRun("max", p(gauge)) }
}

// counterOf is a load-generator counter's total over a run.
func counterOf(counter string) runValue {
	return func(p pick) string { return byRun("sum", p(counter)) }
}

// perElapsedSecond is a counter over the load run's elapsed seconds, as req/s is for ssebench
// load; no k6 fallback, for the counters k6 does not send.
func perElapsedSecond(counter string) runValue {
	return func(p pick) string {
		return fmt.Sprintf(`%s / on (%s) (%s > 0)`, counterOf(counter)(p), perRun, byRun("max", p(metricname.LoadElapsed)))
	}
}

// aiperfDistribution defines the queries of one histogram as an AIPerf record metric named
// tag ("aiperf.<tag>.<figure>"). reuse holds the quantiles an existing query already
// computes, by percentile: every expression lives once, and the sweep's and the results
// table's quantiles are per (server, scenario) of a testid as these are;
// maxGauge is "" when ssebench keeps no exact maximum of the histogram's values.
func aiperfDistribution(tag, what, histogram, maxGauge string, reuse map[int]Query) AIPerfDistribution {
	name := func(figure string) string { return "aiperf." + tag + "." + figure }
	d := AIPerfDistribution{
		Count: define(Query{Name: name("count"), Title: what + " count", Unit: UnitCount,
			Expr: allScenarios.cell(histogramCount(histogram)),
			Help: "How many " + what + " values the run observed (AIPerf's count): exact, the native histogram's count."}),
		SumMs: define(Query{Name: name("sum_ms"), Title: what + " sum ms", Unit: UnitMillis,
			Expr: "1000 * " + allScenarios.cell(histogramSum(histogram)),
			Help: "Sum of the run's " + what + " values (AIPerf's sum, ms): exact; over the count, the exact mean."}),
	}
	quantile := func(p int) Query {
		if q, ok := reuse[p]; ok {
			return q
		}
		return define(Query{Name: name(fmt.Sprintf("p%d_ms", p)), Title: fmt.Sprintf("%s p%d ms", what, p), Unit: UnitMillis, Better: "lower",
			Expr: quantileMs(allScenarios, histogram, float64(p)/100),
			Help: fmt.Sprintf("%dth percentile of the run's %s values (AIPerf's p%d, ms), from the native histogram (±1.1 %%).", p, what, p)})
	}
	d.P50Ms, d.P90Ms, d.P95Ms, d.P99Ms = quantile(50), quantile(90), quantile(95), quantile(99)
	if maxGauge != "" {
		d.MaxMs = define(Query{Name: name("max_ms"), Title: what + " max ms", Unit: UnitMillis, Better: "lower",
			Expr: "1000 * " + allScenarios.cell(exactMax(maxGauge)),
			Help: "Largest " + what + " value of the run (AIPerf's max, ms): exact, from the load generator's own maximum; none for k6's data, whose histogram only bounds it."})
	}
	return d
}

// The distributions, by AIPerf's tag. AIPerf's inter_token_latency is each request's mean
// gap between tokens; ssebench's nearest figure is every gap between consecutive events of
// every stream (docs/aiperf.md says how they differ).
var (
	AIPerfTimeToFirstToken = aiperfDistribution("time_to_first_token", "time to first token",
		metricname.TimeToFirstToken, "", map[int]Query{50: SweepTTFTP50, 99: SweepTTFTP99})
	AIPerfInterTokenLatency = aiperfDistribution("inter_token_latency", "event gap",
		metricname.EventGap, metricname.EventGapMax, nil)
	AIPerfRequestLatency = aiperfDistribution("request_latency", "stream duration",
		metricname.K6HTTPReqDuration, metricname.HTTPReqDurationMax, map[int]Query{50: SweepDurationP50, 95: ResultsP95Ms, 99: SweepDurationP99})
)

// AIPerf's counts and rates. request_throughput is the results table's req/s
// (ResultsReqPerSecond).
var (
	AIPerfRequestCount = define(Query{Name: "aiperf.request_count", Title: "requests", Unit: UnitCount, Better: "higher",
		Expr: allScenarios.cell(counterOf(metricname.K6HTTPReqs)),
		Help: "Requests the run made (a stream is a request), failed ones included: the numerator of req/s."})
	AIPerfGoodRequestCount = define(Query{Name: "aiperf.good_request_count", Title: "good streams", Unit: UnitCount, Better: "higher",
		Expr: allScenarios.cell(counterOf(metricname.GoodputStreams)),
		Help: "Streams that met the per-stream SLO (--slo), as AIPerf's good_request_count. None for k6's data."})
	AIPerfGoodput = define(Query{Name: "aiperf.goodput", Title: "goodput req/s", Unit: UnitReqPerSec, Better: "higher",
		Expr: allScenarios.cell(perElapsedSecond(metricname.GoodputStreams)),
		Help: "Streams that met the per-stream SLO (--slo) per second of the load run, as AIPerf's goodput. None for k6's data."})
)

// AIPerfColumns is every query the AIPerf export reads, each evaluated once per trial.
var AIPerfColumns = func() []Query {
	out := []Query{ResultsReqPerSecond, AIPerfRequestCount, AIPerfGoodput, AIPerfGoodRequestCount}
	for _, d := range []AIPerfDistribution{AIPerfTimeToFirstToken, AIPerfInterTokenLatency, AIPerfRequestLatency} {
		out = append(out, d.Queries()...)
	}
	return out
}()
