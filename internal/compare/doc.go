// Package compare judges one benchmark run against another, or against the earlier runs
// of a trailing window: per server × scenario, the relative delta of every results-table
// column, with a bootstrap 95 % confidence interval where Prometheus holds per-second
// samples (throughput, p95 latency, CPU), marked significant when the interval excludes 0.
//
// Point values come from internal/results (the results table's own PromQL); the samples
// come from range queries of the catalog's series.* queries at a 1 s step. Nothing here
// writes PromQL.
package compare
