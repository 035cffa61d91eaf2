// Package aiperf writes a run's figures in the shape of NVIDIA AIPerf's
// profile_export_aiperf.json (AIPerf is Apache-2.0; nothing of its code is here), so that an
// AIPerf user reads ssebench's results with the tools that read theirs: one file per
// (server, scenario), the profile AIPerf would have written had it loaded that server with
// that scenario.
//
// The shape follows AIPerf's reference page "profile_export_aiperf.json Schema"
// (docs/reference/json-export-schema.md of github.com/ai-dynamo/aiperf) at schema version
// 1.1, and its metric tags and units follow docs/metrics_reference.md: every metric a
// top-level object keyed by its tag, {"unit", "avg", "p50", …, "count", "sum"}, fields that
// do not apply left out. Only the metrics both tools measure are written, and only the
// statistics ssebench computes exactly or as its own tables do; docs/aiperf.md maps each
// field to its query and says what differs in meaning and what is left out.
//
// Fetching is apart from writing: Fetch reads the catalog's AIPerf queries
// (catalog.AIPerfColumns) for each trial and pools the trials into one results.Table; Build
// turns any such table into exports; Write puts them on disk. The tests build exports from a
// fixed table, and decode a hand-written file in AIPerf's shape (testdata/) with the same
// types.
package aiperf
