package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"github.com/ssebench/ssebench/internal/catalog"
)

const committedDir = "grafana/dashboards"

func generated(t *testing.T) []File {
	t.Helper()
	files, err := All()
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func committed(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(committedDir, name))
	if err != nil {
		t.Fatalf("%v (run `make dashboards`)", err)
	}
	return data
}

func TestCommittedJSONIsWhatTheGeneratorWrites(t *testing.T) {
	files := generated(t)
	names := map[string]bool{}
	for _, f := range files {
		names[f.Name] = true
		want, err := Marshal(f.Dashboard)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed(t, f.Name), want) {
			t.Errorf("%s/%s differs from what the generator writes now: run `make dashboards` and commit the result", committedDir, f.Name)
		}
	}
	entries, err := os.ReadDir(committedDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !names[e.Name()] {
			t.Errorf("%s/%s is not generated any more: remove it or run `make dashboards`", committedDir, e.Name())
		}
	}
}

func TestCommittedJSONRoundTripsThroughTheSDKStrictly(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for _, f := range generated(t) {
		t.Run(f.Name, func(t *testing.T) {
			data := committed(t, f.Name)
			if err := strictCheck(data); err != nil {
				t.Fatalf("strict unmarshal: %v", err)
			}
			var d dashboard.Dashboard
			if err := json.Unmarshal(data, &d); err != nil {
				t.Fatal(err)
			}
			if err := d.Validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
			again, err := Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Errorf("the decoded dashboard does not re-encode to the same JSON: some field was dropped or changed")
			}
		})
	}
}

// strictCheck runs the SDK's strict decoders over the dashboard, each panel, each target,
// and each panel's options and custom field config: any unknown or mistyped field fails.
// The pieces are decoded one by one because v0.0.22 returns an empty error list as a
// non-nil error, and its composite decoders stop on it before storing panels and targets.
func strictCheck(data []byte) error {
	var d dashboard.Dashboard
	if err := realError(d.UnmarshalJSONStrict(data)); err != nil {
		return err
	}
	var raw struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	for i, p := range raw.Panels {
		if err := strictPanel(p); err != nil {
			return fmt.Errorf("panels[%d]: %w", i, err)
		}
	}
	return nil
}

func strictPanel(p json.RawMessage) error {
	var parts struct {
		Type        string            `json:"type"`
		Targets     []json.RawMessage `json:"targets"`
		Options     json.RawMessage   `json:"options"`
		FieldConfig struct {
			Defaults struct {
				Custom json.RawMessage `json:"custom"`
			} `json:"defaults"`
		} `json:"fieldConfig"`
	}
	if err := json.Unmarshal(p, &parts); err != nil {
		return err
	}
	if parts.Type == "row" {
		return realError((&dashboard.RowPanel{}).UnmarshalJSONStrict(p))
	}
	if err := realError((&dashboard.Panel{}).UnmarshalJSONStrict(p)); err != nil {
		return err
	}
	for i, target := range parts.Targets {
		if err := realError((&prometheus.Dataquery{}).UnmarshalJSONStrict(target)); err != nil {
			return fmt.Errorf("targets[%d]: %w", i, err)
		}
	}
	variant, ok := cog.ConfigForPanelcfgVariant(parts.Type)
	if !ok {
		return fmt.Errorf("panel type %q unknown to the SDK", parts.Type)
	}
	if parts.Options != nil {
		if _, err := variant.StrictOptionsUnmarshaler(parts.Options); realError(err) != nil {
			return fmt.Errorf("options: %w", err)
		}
	}
	if parts.FieldConfig.Defaults.Custom != nil && variant.StrictFieldConfigUnmarshaler != nil {
		if _, err := variant.StrictFieldConfigUnmarshaler(parts.FieldConfig.Defaults.Custom); realError(err) != nil {
			return fmt.Errorf("fieldConfig.defaults.custom: %w", err)
		}
	}
	return nil
}

func realError(err error) error {
	if errs, ok := err.(cog.BuildErrors); ok && len(errs) == 0 {
		return nil
	}
	return err
}

func TestUIDsAreStableAndUnique(t *testing.T) {
	want := map[string]string{"ssebench-run.json": RunUID, "ssebench-trends.json": TrendsUID, "ssebench-servers.json": ServersUID}
	if files := generated(t); len(files) != len(want) {
		t.Errorf("%d dashboards generated, want %d", len(files), len(want))
	}
	seen := map[string]bool{}
	for _, f := range generated(t) {
		uid := ""
		if f.Dashboard.Uid != nil {
			uid = *f.Dashboard.Uid
		}
		if uid != want[f.Name] {
			t.Errorf("%s: uid %q, want %q", f.Name, uid, want[f.Name])
		}
		if seen[uid] {
			t.Errorf("uid %q used twice", uid)
		}
		seen[uid] = true
	}
}

// panelJSON is the part of a panel the layout checks read.
type panelJSON struct {
	ID      *int   `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	GridPos *struct {
		X, Y, W, H int
	} `json:"gridPos"`
	Options map[string]any `json:"options"`
}

func panelsOf(t *testing.T, name string) []panelJSON {
	t.Helper()
	var d struct {
		Panels []panelJSON `json:"panels"`
	}
	if err := json.Unmarshal(committed(t, name), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Panels) == 0 {
		t.Fatalf("%s has no panels", name)
	}
	return d.Panels
}

func TestEveryPanelHasAnIDAndAGridPositionWithoutOverlap(t *testing.T) {
	for _, f := range generated(t) {
		ids := map[int]bool{}
		occupied := map[[2]int]string{}
		for _, p := range panelsOf(t, f.Name) {
			if p.ID == nil || ids[*p.ID] {
				t.Errorf("%s: panel %q has a missing or duplicate id", f.Name, p.Title)
				continue
			}
			ids[*p.ID] = true
			g := p.GridPos
			if g == nil || g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
				t.Errorf("%s: panel %q has no valid gridPos: %+v", f.Name, p.Title, g)
				continue
			}
			for x := g.X; x < g.X+g.W; x++ {
				for y := g.Y; y < g.Y+g.H; y++ {
					if other, ok := occupied[[2]int{x, y}]; ok {
						t.Fatalf("%s: panels %q and %q overlap at (%d,%d)", f.Name, other, p.Title, x, y)
					}
					occupied[[2]int{x, y}] = p.Title
				}
			}
		}
	}
}

func TestLegendsAndTooltipsAreOn(t *testing.T) {
	for _, f := range generated(t) {
		for _, p := range panelsOf(t, f.Name) {
			switch p.Type {
			case "barchart", "timeseries", "piechart":
				l, _ := p.Options["legend"].(map[string]any)
				if l["showLegend"] != true {
					t.Errorf("%s: %s %q has its legend off", f.Name, p.Type, p.Title)
				}
				tt, _ := p.Options["tooltip"].(map[string]any)
				if tt["mode"] == nil || tt["mode"] == "none" {
					t.Errorf("%s: %s %q has its tooltip off", f.Name, p.Type, p.Title)
				}
			case "table":
				footer, _ := p.Options["footer"].(map[string]any)
				if r, ok := footer["reducer"].([]any); !ok || len(r) == 0 {
					t.Errorf("%s: table %q has no valid footer reducer: %v", f.Name, p.Title, footer)
				}
			}
		}
	}
}

// expression is one PromQL expression found in a dashboard, and where.
type expression struct{ where, expr string }

// expressions walks the JSON for every "expr" (targets, annotations) and every variable query.
func expressions(t *testing.T, name string) []expression {
	var root any
	if err := json.Unmarshal(committed(t, name), &root); err != nil {
		t.Fatal(err)
	}
	var out []expression
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if s, ok := child.(string); ok && k == "expr" {
					out = append(out, expression{path + "." + k, s})
				}
				walk(path+"."+k, child)
			}
		case []any:
			for i, child := range v {
				walk(path+"["+itoa(i)+"]", child)
			}
		}
	}
	walk(name, root)
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

var labelValuesQuery = regexp.MustCompile(`^label_values\((.*), (\w+)\)$`)

func variableQueries(t *testing.T, name string) []expression {
	var d struct {
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(committed(t, name), &d); err != nil {
		t.Fatal(err)
	}
	var out []expression
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(string)
		m := labelValuesQuery.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("%s: variable %s query %q is not label_values(<selector>, <label>)", name, v.Name, q)
			continue
		}
		out = append(out, expression{name + " variable " + v.Name, m[1]})
	}
	return out
}

// unsubstituted finds a Grafana variable left in an expression; label_replace's capture
// references ($1) are PromQL, not variables.
var unsubstituted = regexp.MustCompile(`\$[A-Za-z_{]`)

// grafanaVariables substitutes what Grafana would, with plausible values.
var grafanaVariables = strings.NewReplacer(
	"${datasource}", "ssebench-prometheus",
	"$testid", "20261127-0400",
	"$run", "20261127-0400",
	"$server", "go-http|bun-hono",
	"$compare", "bun-hono|go-http|rust-axum",
	"$__rate_interval", "4s",
	"$__interval", "1s",
	"$__range", "600s",
)

func TestEveryExpressionIsACatalogQueryAndParses(t *testing.T) {
	catalogExprs := map[string]string{}
	for _, q := range catalog.All() {
		catalogExprs[q.Expr] = q.Name
	}
	used := map[string]bool{}
	for _, f := range generated(t) {
		exprs := append(expressions(t, f.Name), variableQueries(t, f.Name)...)
		if len(exprs) < 4 {
			t.Fatalf("%s: only %d expressions found", f.Name, len(exprs))
		}
		for _, e := range exprs {
			name, ok := catalogExprs[e.expr]
			if !ok {
				t.Errorf("%s: expression is not a catalog query (no PromQL is written in dashboards/):\n%s", e.where, e.expr)
				continue
			}
			used[name] = true
			rendered := grafanaVariables.Replace(e.expr)
			if unsubstituted.MatchString(rendered) {
				t.Errorf("%s: a Grafana variable is left after substitution: %s", e.where, rendered)
			}
			if err := catalog.Validate(rendered); err != nil {
				t.Errorf("%s: %v\n%s", e.where, err, rendered)
			}
		}
	}
	mustShow := append(append(append([]catalog.Query{}, catalog.ResultsColumns...), catalog.ScoreAxes...), catalog.TrendPanels...)
	mustShow = append(append(mustShow, catalog.TrialsColumns...), catalog.RunsColumns...)
	for _, q := range mustShow {
		if !used[q.Name] {
			t.Errorf("catalog query %s is on no dashboard", q.Name)
		}
	}
}

func TestStrictCheckRefusesUnknownFields(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	data := committed(t, "ssebench-run.json")
	for _, tc := range []struct{ name, from, to string }{
		{"target", `"refId": "A"`, `"refId": "A", "bogus": 1`},
		{"options", `"showHeader": true`, `"showHeader": true, "bogus": 1`},
		{"panel", `"transparent": false`, `"transparent": false, "bogus": 1`},
		{"dashboard", `"schemaVersion": 42`, `"schemaVersion": 42, "bogus": 1`},
	} {
		broken := bytes.Replace(data, []byte(tc.from), []byte(tc.to), 1)
		if bytes.Equal(broken, data) {
			t.Fatalf("%s: %q not found in the run dashboard", tc.name, tc.from)
		}
		if err := strictCheck(broken); err == nil || !strings.Contains(err.Error(), "bogus") {
			t.Errorf("%s: an unknown field passed the strict check (err %v)", tc.name, err)
		}
	}
}
