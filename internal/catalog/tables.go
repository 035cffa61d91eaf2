package catalog

import "time"

// ScenarioTable is a table of one scenario's own figures, beside the results table that
// every scenario has a row in: the cost table and the failure modes'. Every output (the
// terminal, results.json and .md, the HTML report, the Run dashboard) shows each table of
// a scenario the run had, under its title.
type ScenarioTable struct {
	Scenario string  // its name in k6/scenarios.json
	Title    string  // heading of the table
	Lead     string  // one or two sentences under the heading: what the table shows
	Columns  []Query // in order
	RankBy   Query   // the column rows are ranked by
	// Control is a scenario the table's columns compare against (the same load without
	// what the scenario adds); a run of Scenario runs it too, first.
	Control string
	// Settle is how long the runner keeps the server up after the scenario, for columns
	// that read it afterwards.
	Settle time.Duration
}

// ScenarioTables are the tables of single scenarios, in the order every output shows them.
var ScenarioTables = []ScenarioTable{
	{Scenario: ScenarioEfficiency, Title: "What a stream costs at a fixed rate (efficiency)",
		Lead:    "The same arrival rate offered to every server, below saturation: CPU per relayed stream, memory per open stream, and the latency each proxy adds over direct (the same load sent straight to the stub). Ranked by CPU per stream; ≈ marks a tie.",
		Columns: Efficiency.List(), RankBy: Efficiency.CPUMicros},
	{Scenario: ScenarioRealistic, Title: "What a stream costs under realistic traffic (realistic)",
		Lead:    "The cost table again, under traffic shaped like an LLM's: Poisson arrivals at a fixed mean rate and answer lengths drawn from a lognormal (mean 200 tokens, sd 150), so a proxy's buffers and timers see bursts and long answers. CPU is per stream of the mean length; the + columns are against direct under the same arrivals and the same lengths (each arrival's length is seeded by its number, so the k-th stream is as long on every server). Ranked by CPU per stream; ≈ marks a tie.",
		Columns: Realistic.List(), RankBy: Realistic.CPUMicros},
	{Scenario: ScenarioCancel, Title: "Clients that cancel (cancel)",
		Lead:    "30 % of the clients close their stream at a random moment of it. A proxy should cancel its request to the stub at once (propagated 100 %, within milliseconds) and leave nothing behind: its fds, threads and memory 10 s later back where they were.",
		Columns: CancelColumns, RankBy: CancelPropagatedPercent, Settle: ResidueDelay + 2*time.Second},
	{Scenario: ScenarioSlowReaders, Title: "Clients that read slowly (slow-readers)",
		Lead:    "Beside well-behaved clients, 20 slow readers each take a 12 MiB stream, sent as fast as the proxy takes it, at 2 KiB/s through a 4 KiB receive buffer. A proxy that lets the kernel push back on the stub keeps its memory flat; one that buffers for them grows by the stream for each; one that drops them cuts their streams. The + columns are the well-behaved clients' figures minus the same load without slow readers (slow-readers-control).",
		Columns: SlowReadersColumns, RankBy: SlowReadersKiBPerReader, Control: ScenarioSlowReadersControl},
	{Scenario: ScenarioIdleStreams, Title: "Thousands of idle streams (idle-streams)",
		Lead:    "2,000 streams held open at once, each one token a second: memory, file descriptors and CPU per open stream, and whether the gaps stay one second. Open at stub below 2,000: the proxy relayed only that many at once and held the other clients waiting (Bun's fetch runs 256 requests at once unless BUN_CONFIG_MAX_HTTP_REQUESTS raises it).",
		Columns: IdleStreamsColumns, RankBy: IdleStreamsKiB},
}

// ScenarioTableOf is the table of scenario name, if it has one.
func ScenarioTableOf(name string) (ScenarioTable, bool) {
	for _, t := range ScenarioTables {
		if t.Scenario == name {
			return t, true
		}
	}
	return ScenarioTable{}, false
}
