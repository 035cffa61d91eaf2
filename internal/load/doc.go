// Package load is ssebench's load generator: k6's executors (constant-vus, ramping-vus,
// constant-arrival-rate) driving one streamed chat completion per iteration, recorded under
// k6's own metric names in an injected Prometheus registry, plus an exact end-of-run summary.
//
// Scenarios come from k6/scenarios.json, the file the k6 scripts read too.
package load
