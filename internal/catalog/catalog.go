// Package catalog is the one place where ssebench's PromQL lives.
//
// Every number a user sees — a Grafana panel, a cell of the terminal results table, a chart
// of the HTML report, a recording rule — is one named Query from this package. Expressions
// are written with Grafana's variable syntax ($testid, $server, $compare, $__range,
// $__rate_interval) so that dashboards embed them verbatim and Go code renders them with
// Render; nothing else in the project writes PromQL.
package catalog

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Unit says how a query's value is displayed; it maps onto Grafana's unit ids.
type Unit string

const (
	UnitReqPerSec Unit = "reqps"
	UnitMillis    Unit = "ms"
	UnitSeconds   Unit = "s"
	UnitPercent   Unit = "percent" // 0..100 (and above 100 for CPU: 100 = one core, like pidstat)
	UnitMiB       Unit = "mbytes"  // mebibytes, as pidstat's RSS kB / 1024
	UnitBytes     Unit = "bytes"
	UnitBytesRate Unit = "Bps"  // bytes per second
	UnitScore     Unit = "none" // 0..100, 100 = best in class
	UnitCount     Unit = "short"
	UnitRatio     Unit = "percentunit" // 0..1
)

// Query is one named PromQL expression.
type Query struct {
	Name   string // stable identifier, e.g. "results.req_per_second"
	Title  string // human title, used as panel title and column header
	Unit   Unit
	Better string // "higher", "lower" or "" — used by normalized scores and comparisons
	Expr   string // PromQL with Grafana variables
	Help   string // one sentence: what it shows and how
	// Decimals a table shows; 0 means the default, 1. Ratios near 1 need 3.
	Decimals int
}

var registry = map[string]Query{}

// define registers a query at package initialisation; a duplicate name is a programming error.
func define(q Query) Query {
	if _, dup := registry[q.Name]; dup {
		panic("catalog: duplicate query " + q.Name)
	}
	q.Expr = strings.TrimSpace(dedent(q.Expr))
	registry[q.Name] = q
	return q
}

// All returns every query, sorted by name.
func All() []Query {
	out := make([]Query, 0, len(registry))
	for _, q := range registry {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get returns the named query.
func Get(name string) (Query, error) {
	q, ok := registry[name]
	if !ok {
		return Query{}, fmt.Errorf("catalog: no query named %q", name)
	}
	return q, nil
}

var spaces = regexp.MustCompile(`\s+`)

// dedent folds the multi-line layout used in this package into one line, which is what
// Grafana stores and what Prometheus error messages quote.
func dedent(s string) string { return spaces.ReplaceAllString(s, " ") }
