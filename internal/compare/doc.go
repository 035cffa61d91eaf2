// Package compare judges one benchmark run against another, or against the earlier runs
// of a trailing window: per server × scenario, the relative delta of every results-table
// column between the means over trials, with Welch's 95 % interval (internal/stats) built
// from the run-to-run spread of the trials, marked significant when it excludes 0.
//
// Point values come from internal/results (the results table's own PromQL) per trial, found
// through internal/run's Querier. Nothing here writes PromQL.
package compare
