// Package load is ssebench's load generator: k6's executors (constant-vus, ramping-vus,
// constant-arrival-rate) driving one streamed chat completion per iteration, recorded under
// k6's own metric names in an injected Prometheus registry, plus an exact end-of-run summary.
//
// Scenarios come from k6/scenarios.json, the file the k6 scripts read too. Each executor is
// a type implementing Scenario, in a file of its own (executor_constant_vus.go,
// executor_ramping_vus.go, executor_arrival.go) with its fields, its split over execution
// segments, its --quick scaling, its parsing and the engine that schedules its iterations
// (the closed model of executor_closed.go, or the open model); scenario_parse.go lists the
// executors a file may name. Run walks one way: the scenario's InSegment (which asks
// segment.go for its share), then its executor, then the iterations (iteration.go).
//
// A scenario may also run misbehaving clients beside its well-behaved ones (Clients, the
// file's "clients"): cancelling clients (canceller.go), which close their stream at a moment
// they announce to the stub, and slow readers (slow_reader.go), which read a stream at a
// trickle from a small socket buffer. They are sidecars of Run (clients_run.go) with
// connections and series of their own, so the iterations' hot path is untouched and every
// k6_* and ssebench_* series of the well-behaved clients stays theirs alone. Run refuses a
// run that would exceed the open-file limit before it starts (filelimit.go).
//
// Plain-http targets are driven by a lean HTTP/1.1 keep-alive client (lean.go) that writes the
// bytes net/http would and parses responses with net/http, without the transport's per-request
// goroutine hand-offs; https targets use net/http's transport. The generator's own CPU per
// stream is measured against wrk by `make bench-load`.
package load
