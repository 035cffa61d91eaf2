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
		URL string `json:"url"`
	} `json:"links"`
	Annotations struct {
		List []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []struct {
		Title       string `json:"title"`
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
	for _, l := range n.Links {
		if strings.HasPrefix(l.URL, "/d/"+uid) {
			return true
		}
	}
	return false
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
