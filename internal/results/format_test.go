package results

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/catalog"
)

func sampleTable() *Table {
	t := &Table{TestID: "t1", Columns: catalog.ResultsColumns}
	t.Rows = []Row{
		{Server: "go-http", Scenario: "stress", Values: map[string]float64{"results.req_per_second": 1423.8, "results.p95_ms": 201.8, "results.fail_percent": 0}},
		{Server: "bun-hono", Scenario: "stress", Values: map[string]float64{"results.req_per_second": 1609.6, "results.fail_percent": 0.5}},
		{Server: "go-http", Scenario: "baseline", Values: map[string]float64{"results.req_per_second": 1500}},
	}
	t.Sort()
	return t
}

func TestSortBaselineFirstThenFastest(t *testing.T) {
	tb := sampleTable()
	got := []string{}
	for _, r := range tb.Rows {
		got = append(got, r.Scenario+"/"+r.Server)
	}
	want := "baseline/go-http stress/bun-hono stress/go-http"
	if strings.Join(got, " ") != want {
		t.Fatalf("order %v, want %s", got, want)
	}
}

func TestTextShowsMissingCellsAsDash(t *testing.T) {
	var b bytes.Buffer
	if err := sampleTable().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"req/s", "cpu avg %", "1609.6", "201.8", Missing, "0.50"} {
		if !strings.Contains(out, want) {
			t.Errorf("text table lacks %q:\n%s", want, out)
		}
	}
}

func TestMarkdownHasOneLinePerRowPlusHeader(t *testing.T) {
	var b bytes.Buffer
	if err := sampleTable().WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	table, note, _ := strings.Cut(strings.TrimSpace(b.String()), "\n\n")
	lines := strings.Split(table, "\n")
	if len(lines) != 2+3 || !strings.HasPrefix(note, "1 trial:") {
		t.Fatalf("got %d lines:\n%s", len(lines), b.String())
	}
	if !strings.HasPrefix(lines[0], "| rank | server | scenario | req/s |") {
		t.Errorf("header: %s", lines[0])
	}
}

func TestJSONCarriesNullForMissing(t *testing.T) {
	var b bytes.Buffer
	if err := sampleTable().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Rows []struct {
			Server string              `json:"server"`
			Values map[string]*float64 `json:"values"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b.String())
	}
	if got.Rows[0].Values["results.cpu_percent"] != nil {
		t.Errorf("missing cpu should be null")
	}
	if v := got.Rows[1].Values["results.req_per_second"]; v == nil || *v != 1609.6 {
		t.Errorf("req/s of bun-hono: %v", v)
	}
}

func TestFormatValue(t *testing.T) {
	cases := []struct {
		q    catalog.Query
		v    float64
		want string
	}{
		{catalog.ResultsReqPerSecond, 1609.64, "1609.6"},
		{catalog.ResultsFailPercent, 0, "0"},
		{catalog.ResultsFailPercent, 5.123, "5.12"},
		{catalog.ResultsMemMiB, math.NaN(), Missing},
		{catalog.ResultsMaxMs, math.Inf(1), Missing},
	}
	for _, c := range cases {
		if got := FormatValue(c.q, c.v); got != c.want {
			t.Errorf("FormatValue(%s, %v) = %q, want %q", c.q.Name, c.v, got, c.want)
		}
	}
}
