package catalog

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var fullVars = Vars{TestID: "20261127-0400", Run: "20261127-0400", Servers: []string{"go-http", "bun-hono"}, Compare: []string{"a", "b", "c"}, Range: 10 * time.Minute}

// unsubstituted finds a Grafana variable left in a rendered expression; label_replace's
// capture references ($1) are PromQL, not variables.
var unsubstituted = regexp.MustCompile(`\$[A-Za-z_{]`)

func TestEveryQueryRendersToValidPromQL(t *testing.T) {
	if len(All()) < 20 {
		t.Fatalf("catalog holds %d queries; the results table, charts and series alone need more", len(All()))
	}
	for _, q := range All() {
		t.Run(q.Name, func(t *testing.T) {
			expr, err := q.Render(fullVars)
			if err != nil {
				t.Fatal(err)
			}
			if unsubstituted.MatchString(expr) {
				t.Fatalf("unsubstituted variable left in %s", expr)
			}
			if err := Validate(expr); err != nil {
				t.Fatalf("does not parse: %v\n%s", err, expr)
			}
			if q.Title == "" || q.Help == "" || q.Unit == "" {
				t.Errorf("title, help and unit are required: %+v", q)
			}
		})
	}
}

func TestRenderRefusesMissingVariables(t *testing.T) {
	if _, err := ResultsReqPerSecond.Render(Vars{Range: time.Minute}); err == nil || !strings.Contains(err.Error(), "testid") {
		t.Fatalf("want an error naming the missing testid, got %v", err)
	}
	if _, err := ResultsReqPerSecond.Render(Vars{TestID: "x"}); err == nil || !strings.Contains(err.Error(), "range") {
		t.Fatalf("want an error naming the missing range, got %v", err)
	}
}

func TestRenderEscapesValues(t *testing.T) {
	expr := ResultsP95Ms.MustRender(Vars{TestID: `a"b`, Servers: []string{"go.http"}, Range: 90 * time.Second})
	if !strings.Contains(expr, `testid="a\"b"`) {
		t.Errorf("testid not escaped: %s", expr)
	}
	if !strings.Contains(expr, `server=~"go\\.http"`) {
		t.Errorf("server regex not quoted: %s", expr)
	}
	if !strings.Contains(expr, "[90s]") {
		t.Errorf("range not rendered in seconds: %s", expr)
	}
	if err := Validate(expr); err != nil {
		t.Fatal(err)
	}
}

func TestEmptyServerListMatchesEverything(t *testing.T) {
	expr := SeriesCPU.MustRender(Vars{})
	if !strings.Contains(expr, `server=~".*"`) {
		t.Fatalf("want a match-all server regex, got %s", expr)
	}
}

func TestResultsColumnsFollowTheWriteup(t *testing.T) {
	want := []string{"req/s", "avg ms", "p95 ms", "max ms", "cpu avg %", "mem MB", "fail %", "goodput %"}
	if len(ResultsColumns) != len(want) {
		t.Fatalf("got %d columns, want %d", len(ResultsColumns), len(want))
	}
	for i, q := range ResultsColumns {
		if q.Title != want[i] {
			t.Errorf("column %d: got %q, want %q", i, q.Title, want[i])
		}
	}
}

func TestGetUnknownQueryNamesIt(t *testing.T) {
	if _, err := Get("nope.nothing"); err == nil || !strings.Contains(err.Error(), "nope.nothing") {
		t.Fatalf("got %v", err)
	}
}

// Every PromQL expression lives once: two names for one expression would let a dashboard
// and a table drift apart unnoticed.
func TestNoTwoQueriesShareAnExpression(t *testing.T) {
	seen := map[string]string{}
	for _, q := range All() {
		if other, dup := seen[q.Expr]; dup {
			t.Errorf("%s and %s have the same expression", other, q.Name)
		}
		seen[q.Expr] = q.Name
	}
}
