package dashboards

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/catalog"
)

// navigation is what the committed JSON holds for moving between runs and dashboards.
type navigation struct {
	Links []struct {
		URL         string `json:"url"`
		KeepTime    bool   `json:"keepTime"`
		IncludeVars bool   `json:"includeVars"`
	} `json:"links"`
	Annotations struct {
		List []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		FieldConfig struct {
			Defaults struct {
				Links []struct {
					URL string `json:"url"`
				} `json:"links"`
			} `json:"defaults"`
		} `json:"fieldConfig"`
	} `json:"panels"`
}

func readNavigation(t *testing.T, file string) navigation {
	t.Helper()
	var n navigation
	if err := json.Unmarshal(committed(t, file), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func linksTo(n navigation, uid string) bool {
	_, ok := linkTo(n, uid)
	return ok
}

// linkTo is the header link to the dashboard uid, and whether there is one.
func linkTo(n navigation, uid string) (keepTimeAndVars, ok bool) {
	for _, l := range n.Links {
		if strings.HasPrefix(l.URL, "/d/"+uid) {
			return l.KeepTime && l.IncludeVars, true
		}
	}
	return false, false
}

// TestHeaderLinksJoinRunServersAndTrends: every dashboard links the other two; Run and
// Servers show the same run, so their links keep the time range and the variables, while
// links to and from Trends (months) keep neither.
func TestHeaderLinksJoinRunServersAndTrends(t *testing.T) {
	dashboards := map[string]string{RunUID: "ssebench-run.json", TrendsUID: "ssebench-trends.json", ServersUID: "ssebench-servers.json"}
	sameRun := map[[2]string]bool{{RunUID, ServersUID}: true, {ServersUID, RunUID}: true}
	for from, file := range dashboards {
		n := readNavigation(t, file)
		for to := range dashboards {
			if to == from {
				continue
			}
			keep, ok := linkTo(n, to)
			if !ok {
				t.Errorf("%s does not link %s", from, to)
			} else if keep != sameRun[[2]string{from, to}] {
				t.Errorf("%s → %s: keepTime and includeVars %v, want %v", from, to, keep, sameRun[[2]string{from, to}])
			}
		}
	}
	// The Servers dashboard marks the run's load windows too.
	found := false
	for _, a := range readNavigation(t, "ssebench-servers.json").Annotations.List {
		found = found || a.Expr == catalog.RunLoadWindows.Expr
	}
	if !found {
		t.Errorf("the Servers dashboard has no annotation of %s", catalog.RunLoadWindows.Name)
	}
}

// TestRunsTableOpensARunOnItsTimeRange: the Trends dashboard's Runs table reads the run
// windows of the catalog, and every row links the Run dashboard with the row's testid and
// its run's from and to, fields the table carries as raw milliseconds.
func TestRunsTableOpensARunOnItsTimeRange(t *testing.T) {
	trends := readNavigation(t, "ssebench-trends.json")
	want := "/d/" + RunUID + "?var-testid=${__data.fields.testid}&from=${__data.fields." + runsFromMs + "}&to=${__data.fields." + runsToMs + "}"
	tables := 0
	for _, p := range trends.Panels {
		if p.Type != "table" {
			continue
		}
		tables++
		exprs := map[string]bool{}
		for _, tg := range p.Targets {
			exprs[tg.Expr] = true
		}
		if !exprs[catalog.RunsFromMs.Expr] || !exprs[catalog.RunsToMs.Expr] {
			t.Errorf("table %q does not read %s and %s", p.Title, catalog.RunsFromMs.Name, catalog.RunsToMs.Name)
		}
		links := p.FieldConfig.Defaults.Links
		if len(links) != 1 || links[0].URL != want {
			t.Errorf("table %q links %+v, want %s", p.Title, links, want)
		}
	}
	if tables != 1 {
		t.Fatalf("%d tables on the Trends dashboard, want the Runs table", tables)
	}
	// The link's from and to are fields of the table: the organize step names them and
	// an override shows them raw (a formatted date would not parse as a time range).
	data := string(committed(t, "ssebench-trends.json"))
	for _, field := range []string{runsFromMs, runsToMs} {
		if !strings.Contains(data, `"options": "`+field+`"`) || !strings.Contains(data, `: "`+field+`"`) {
			t.Errorf("the Runs table has no field %s for its link", field)
		}
	}
}

// TestRunsAreEasyToFind: the Run dashboard marks each load run as an annotation and links
// the Trends dashboard; Trends links back, and each trend point opens the Run dashboard
// around its time for its server.
func TestRunsAreEasyToFind(t *testing.T) {
	run := readNavigation(t, "ssebench-run.json")
	if !linksTo(run, TrendsUID) {
		t.Error("the Run dashboard does not link the Trends dashboard")
	}
	found := false
	for _, a := range run.Annotations.List {
		found = found || a.Expr == catalog.RunLoadWindows.Expr
	}
	if !found {
		t.Errorf("the Run dashboard has no annotation of %s", catalog.RunLoadWindows.Name)
	}

	trends := readNavigation(t, "ssebench-trends.json")
	if !linksTo(trends, RunUID) {
		t.Error("the Trends dashboard does not link the Run dashboard")
	}
	withLinks := 0
	for _, p := range trends.Panels {
		for _, l := range p.FieldConfig.Defaults.Links {
			if strings.HasPrefix(l.URL, "/d/"+RunUID+"?") && strings.Contains(l.URL, "${__value.time}") &&
				strings.Contains(l.URL, "${__field.labels.server}") {
				withLinks++
			}
		}
	}
	if withLinks != len(catalog.TrendPanels) {
		t.Errorf("%d of %d trend panels link a point to its run", withLinks, len(catalog.TrendPanels))
	}
}
