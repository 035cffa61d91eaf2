package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/duet"
)

// writeRun writes a results.json of one side-by-side run where server i costs cost[i] in
// every round, give or take a seeded 1 %.
func writeRun(t *testing.T, dir, name string, names []string, cost []float64) string {
	t.Helper()
	var rounds []duet.Round
	for r := 1; r <= 6; r++ {
		round := duet.Round{Number: r, Samples: map[string]duet.Sample{}}
		for i, n := range names {
			jitter := 1 + 0.01*float64((r*7+i*3)%5-2)/2
			round.Samples[n] = duet.Sample{Server: n, Streams: 500, Offered: 500, CPUSeconds: cost[i] * jitter * 500 / 1e6, PeakRSSBytes: 1 << 20}
		}
		rounds = append(rounds, round)
	}
	v := duet.Judge(rounds, names, names[0], "", "")
	doc := map[string]any{"duet": map[string]any{"testid": name, "rounds": rounds, "stopped": "precision reached", "elapsed_ns": 6e10, "verdict": v}}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOrderHeldAndFlipped(t *testing.T) {
	dir := t.TempDir()
	names := []string{"ref", "b", "c"}
	same := []string{
		writeRun(t, dir, "one", names, []float64{1000, 1200, 1500}),
		writeRun(t, dir, "two", names, []float64{1000, 1210, 1480}),
	}
	runs, err := load(same)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if !report(&out, runs) || !strings.Contains(out.String(), "3 pairs separated in all 2 runs; 3 of them in the same order") {
		t.Errorf("two runs in one order:\n%s", out.String())
	}
	flipped := append(same[:1:1], writeRun(t, dir, "three", names, []float64{1000, 1600, 1300}))
	runs, err = load(flipped)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if report(&out, runs) || !strings.Contains(out.String(), "ORDER FLIPPED: b vs c") {
		t.Errorf("b and c swapped places:\n%s", out.String())
	}
}

func TestARunWithoutADuetIsNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(path, []byte(`{"results": null}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := load([]string{path}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want one naming %s", err, path)
	}
}
