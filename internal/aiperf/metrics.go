package aiperf

import "github.com/ssebench/ssebench/internal/catalog"

// AIPerf's tags of the metrics ssebench writes (AIPerf's docs/metrics_reference.md).
const (
	TagRequestThroughput = "request_throughput"
	TagRequestLatency    = "request_latency"
	TagRequestCount      = "request_count"
	TagTimeToFirstToken  = "time_to_first_token"
	TagInterTokenLatency = "inter_token_latency"
	TagGoodput           = "goodput"
	TagGoodRequestCount  = "good_request_count"
)

// AIPerf's display units of those metrics.
const (
	UnitMillis            = "ms"
	UnitRequestsPerSecond = "requests/sec"
	UnitRequests          = "requests"
)

// A distribution is one of AIPerf's record metrics: a distribution of times, in ms.
type distribution struct {
	tag     string
	queries catalog.AIPerfDistribution
}

var distributions = []distribution{
	{TagTimeToFirstToken, catalog.AIPerfTimeToFirstToken},
	{TagInterTokenLatency, catalog.AIPerfInterTokenLatency},
	{TagRequestLatency, catalog.AIPerfRequestLatency},
}

// A scalar is one of AIPerf's aggregate or derived metrics: one value, written as avg.
type scalar struct {
	tag, unit string
	query     catalog.Query
	pool      pooling
}

var scalars = []scalar{
	{TagRequestThroughput, UnitRequestsPerSecond, catalog.ResultsReqPerSecond, poolMean},
	{TagRequestCount, UnitRequests, catalog.AIPerfRequestCount, poolSum},
	{TagGoodput, UnitRequestsPerSecond, catalog.AIPerfGoodput, poolMean},
	{TagGoodRequestCount, UnitRequests, catalog.AIPerfGoodRequestCount, poolSum},
}

// Meanings say what ssebench measured under each tag, where AIPerf measures something else
// or the same thing otherwise; every file carries them (Provenance.Meanings), docs/aiperf.md
// explains them.
var Meanings = map[string]string{
	TagTimeToFirstToken: "request sent (due, in an arrival-rate scenario) to the first SSE event, content or not " +
		"(the stub's is its role chunk, sent before its first-token delay; AIPerf: to the first response with content); " +
		"percentiles from a native histogram (±1.1 %); avg = sum / count, exact",
	TagInterTokenLatency: "ssebench's event gap, its nearest figure: every gap between consecutive SSE events of every stream, " +
		"role, finish and [DONE] events included; count = gaps, not requests " +
		"(AIPerf: each request's (request_latency - TTFT) / (output tokens - 1), one value per request); ssebench counts no tokens",
	TagRequestLatency:    "the whole stream, request sent (due, in an arrival-rate scenario) to its last byte; a stream is a request",
	TagRequestThroughput: "requests made per second of the load run, failed ones included (AIPerf: valid requests only)",
	TagRequestCount:      "requests made, failed ones included (AIPerf: valid requests only)",
	TagGoodput: "streams per second that met ssebench's per-stream SLO (--slo, or the scenario's own: " +
		"status 200, [DONE], TTFT and every gap within bounds)",
	TagGoodRequestCount: "streams that met ssebench's per-stream SLO (--slo, or the scenario's own)",
}

// A pooling says how a figure of several trials becomes the profile's one.
type pooling int

const (
	poolMean pooling = iota // quantiles and rates: the mean over the trials that have it, as the results table's cells
	poolSum                 // counts and sums: what the trials saw together
	poolMax                 // exact maxima: the largest of any trial
)

// poolings is how each column of catalog.AIPerfColumns pools, by query name.
var poolings = func() map[string]pooling {
	out := map[string]pooling{}
	for _, s := range scalars {
		out[s.query.Name] = s.pool
	}
	for _, d := range distributions {
		for _, q := range d.queries.Quantiles() {
			out[q.Name] = poolMean
		}
		out[d.queries.Count.Name], out[d.queries.SumMs.Name] = poolSum, poolSum
		if d.queries.MaxMs.Name != "" {
			out[d.queries.MaxMs.Name] = poolMax
		}
	}
	return out
}()
