package catalog

import (
	"fmt"
	"strings"

	"github.com/ssebench/ssebench/internal/load"
	"github.com/ssebench/ssebench/internal/metricname"
)

// Scenario names of the writeup, as the scenario file k6/scenarios.json defines them.
const (
	ScenarioBaseline = "baseline"
	ScenarioStress   = "stress"
)

// Check names, as the load generator makes them (and the k6 script, which a test keeps in
// step): the catalog reads what the generator writes.
const (
	CheckStatus200 = load.CheckStatus200
	CheckDone      = load.CheckDone
)

// scope says which series an expression covers: which server variable filters them and,
// optionally, one scenario. With no server variable it covers every live run, as the
// recording rules read them.
type scope struct {
	serverVar string // "$server" or "$compare"; "" = every run and server (liveRuns)
	scenario  string // "" = every scenario
	// trials selects every trial of the run $run instead of the one testid $testid, and
	// keeps the trials apart: one value per (testid, server, scenario). See trials.go.
	trials bool
}

var (
	allScenarios = scope{serverVar: "$server"}
	stressOnly   = scope{serverVar: "$server", scenario: ScenarioStress}
	baselineOnly = scope{serverVar: "$server", scenario: ScenarioBaseline}
	compareSet   = scope{serverVar: "$compare", scenario: ScenarioStress}
	liveRuns     = scope{}
)

// load selects a load-generator series of one run.
func (s scope) load(metric string, extra ...string) string {
	var m []string
	if s.serverVar != "" {
		m = append(m, s.testID(), fmt.Sprintf(`server=~"%s"`, s.serverVar))
	}
	if s.scenario != "" {
		m = append(m, fmt.Sprintf(`scenario="%s"`, s.scenario))
	}
	m = append(m, extra...)
	if len(m) == 0 {
		return metric
	}
	return metric + "{" + strings.Join(m, ", ") + "}"
}

// testID is the testid matcher: the one run $testid, or every trial of the run $run.
func (s scope) testID() string {
	if s.trials {
		return `testid=~"$run` + trialSuffix + `"`
	}
	return `testid="$testid"`
}

// by is the grouping of a per-run value: (server, scenario), and the testid when the scope
// keeps trials apart.
func (s scope) by() string {
	if s.trials {
		return "testid, server, scenario"
	}
	return "server, scenario"
}

// process selects an exporter series; the exporter knows servers, not runs or scenarios.
func (s scope) process(metric string) string {
	if s.serverVar == "" {
		return metric
	}
	return fmt.Sprintf(`%s{server=~"%s"}`, metric, s.serverVar)
}

// active is 1 for each (server, scenario) while that scenario's load runs in this test run
// and absent otherwise: k6_vus is pushed every second during a load run and marked stale at
// its end. Multiplying a per-server exporter series by it attributes the series to the
// scenario that was running, which is how pidstat's window is rebuilt from PromQL.
func (s scope) active() string {
	return fmt.Sprintf(`(max by (%s) (%s) * 0 + 1)`, s.by(), s.load(metricname.K6VUs))
}

// duringLoad restricts a per-server expression to the scope's active windows, labelled by scenario.
func (s scope) duringLoad(perServer string) string {
	return fmt.Sprintf(`(%s * on (server) group_right () %s)`, perServer, s.active())
}
