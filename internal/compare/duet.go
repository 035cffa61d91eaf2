package compare

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/run"
)

// DuetScenario is the scenario column of the rows that compare side-by-side ratios.
const DuetScenario = "duet"

// duetRatios are one side-by-side run's per-round CPU ratios to its reference, by server.
type duetRatios map[string][]float64

// fetchDuetRatios reads the stored rounds of run id's side by side (testid <id>-duet) and
// divides each server's CPU per stream by the reference's in the same round. A run without
// a side by side gives none and no error.
func fetchDuetRatios(ctx context.Context, q *run.Querier, id string, now time.Time, lookback time.Duration) (duetRatios, error) {
	m, err := q.InstantMatrix(ctx, catalog.DuetRoundSamples, catalog.Vars{TestID: run.DuetTestID(id), Range: lookback}, now)
	if err != nil {
		return nil, fmt.Errorf("compare: side by side of %s: %w", id, err)
	}
	type cell struct {
		server string
		value  float64
	}
	byRound := map[string][]cell{}
	reference := map[string]float64{}
	for _, s := range m {
		if len(s.Values) == 0 {
			continue
		}
		round, server := string(s.Metric[catalog.DuetRoundLabel]), string(s.Metric["server"])
		v := float64(s.Values[len(s.Values)-1].Value)
		if string(s.Metric[catalog.DuetRoleLabel]) == catalog.DuetRoleReference {
			reference[round] = v
			continue
		}
		byRound[round] = append(byRound[round], cell{server, v})
	}
	out := duetRatios{}
	rounds := make([]string, 0, len(byRound))
	for r := range byRound {
		rounds = append(rounds, r)
	}
	sort.Strings(rounds)
	for _, r := range rounds {
		ref, ok := reference[r]
		if !ok || ref <= 0 {
			continue
		}
		for _, c := range byRound[r] {
			if c.value > 0 && !math.IsNaN(c.value) {
				out[c.server] = append(out[c.server], c.value/ref)
			}
		}
	}
	return out, nil
}

// duetRows compares each server's side-by-side CPU ratio between the two sides, with the
// rounds' spread: a change of the ratio, not of the machine, is what a row can call significant.
func duetRows(base, cand duetRatios) []Row {
	var rows []Row
	for server, c := range cand {
		b, ok := base[server]
		if !ok {
			continue
		}
		rows = append(rows, Row{Server: server, Scenario: DuetScenario, Cells: []Cell{compareCell(catalog.DuetCPURatio, b, c)}})
	}
	return rows
}

// mergeDuet joins the side-by-side ratios of several baseline runs: every round is one value.
func mergeDuet(sides []duetRatios) duetRatios {
	out := duetRatios{}
	for _, s := range sides {
		for server, v := range s {
			out[server] = append(out[server], v...)
		}
	}
	return out
}
