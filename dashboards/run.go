package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/servers"
)

// RunUID, TrendsUID and ServersUID are stable: links, provisioning and people's bookmarks use them.
const (
	RunUID     = "ssebench-run"
	TrendsUID  = "ssebench-trends"
	ServersUID = "ssebench-servers"
)

// Run is the dashboard of one benchmark run: the writeup's charts and table, the mean and
// interval across its trials, then the series over the run and the streaming health. Set
// the time range to the run (the Trends dashboard's Runs table does): instant panels
// compute over $__range, ending at the range's end.
func Run() (dashboard.Dashboard, error) {
	// The compare variable's default: the writeup's 3-way comparison, marked in servers.yaml.
	_, list, err := servers.LoadRegistry()
	if err != nil {
		return dashboard.Dashboard{}, err
	}
	writeupCompare := servers.WriteupCompareNames(servers.Infos(list))
	d := newDashboard("ssebench - run", RunUID, "now-30m",
		"One benchmark run: every chart and table of the writeup, rebuilt from the query catalog (internal/catalog). Set the time range to the run: open it from the Runs table of the Trends dashboard, which does.").
		WithVariable(datasourceVariable()).
		WithVariable(testIDVariable()).
		WithVariable(runVariable()).
		WithVariable(serverVariable("server", "Servers", catalog.VarServers, nil)).
		WithVariable(serverVariable("compare", "Compare (normalized)", catalog.VarServers, writeupCompare)).
		Annotation(loadWindowsAnnotation()).
		Link(dashboardLink("Servers", ServersUID, "The server processes, the exporter and the probe over this time range", true)).
		Link(dashboardLink("Trends", TrendsUID, "Every server and scenario across runs; its Runs table opens a run on its time range", false))
	l := newLayout(d)
	machineRow(l)
	duetRow(l)
	stressRow(l)
	deltaRow(l)
	resultsRow(l)
	trialsRow(l)
	scenarioTableRows(l)
	sweepRow(l)
	scoresRow(l)
	memoryShareRow(l)
	seriesRow(l)
	k6Row(l)
	healthRow(l)
	if l.err != nil {
		return dashboard.Dashboard{}, l.err
	}
	return d.Build()
}

// newDashboard has what every ssebench dashboard shares: tag, UTC, shared crosshair, no
// auto-refresh (a finished run does not change), and a default range of from to now.
func newDashboard(title, uid, from, description string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"ssebench"}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Time(from, "now").
		Timezone(common.TimeZoneUtc).
		Refresh("")
}

// loadWindowsAnnotation marks each server × scenario of the run as a region titled with
// both, so every time series shows which load it was under. The load generator pushes
// every second and --quick runs last seconds: the step is 1 s.
func loadWindowsAnnotation() *dashboard.AnnotationQueryBuilder {
	return annotation(catalog.RunLoadWindows, "blue", "1s", "{{server}} {{scenario}}", "load run: {{server}} under {{scenario}}")
}

// dashboardLink is a link in the dashboard's header to another ssebench dashboard. Between
// Run and Servers, which show the same run, it keeps the time range and the variables
// (testid, server); to and from Trends, whose range is months, it keeps neither.
func dashboardLink(title, uid, tooltip string, sameRun bool) *dashboard.DashboardLinkBuilder {
	return dashboard.NewDashboardLinkBuilder(title).
		Type(dashboard.DashboardLinkTypeLink).
		Url("/d/" + uid).
		Tooltip(tooltip).
		Icon("dashboard").
		TargetBlank(false).
		KeepTime(sameRun).
		IncludeVars(sameRun).
		AsDropdown(false).
		Tags([]string{})
}

func datasourceVariable() *dashboard.DatasourceVariableBuilder {
	return dashboard.NewDatasourceVariableBuilder("datasource").
		Label("Prometheus").
		Type("prometheus").
		Current(dashboard.VariableOption{
			Text:  dashboard.StringOrArrayOfString{String: cog.ToPtr("Prometheus")},
			Value: dashboard.StringOrArrayOfString{String: cog.ToPtr(DatasourceUID)},
		})
}

// labelValues is Grafana's variable query around a catalog series selector.
func labelValues(q catalog.Query, label string) string {
	return "label_values(" + q.Expr + ", " + label + ")"
}

// testIDVariable lists runs newest first: testids start with the run's UTC date and time.
func testIDVariable() *dashboard.QueryVariableBuilder {
	return labelVariable("testid", "Run (testid)", catalog.VarTestIDs, "testid").
		Sort(dashboard.VariableSortAlphabeticalDesc).
		Multi(false).
		IncludeAll(false)
}

// labelVariable is a variable listing the values of label in a catalog series selector,
// refreshed with the time range.
func labelVariable(name, title string, source catalog.Query, label string) *dashboard.QueryVariableBuilder {
	query := labelValues(source, label)
	return dashboard.NewQueryVariableBuilder(name).
		Label(title).
		Description(source.Help).
		Datasource(datasourceRef()).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).
		Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged)
}

// runVariable is the run the testid belongs to: the testid without its -tN trial suffix
// (catalog.RunOfTestIDRegex keeps the capture group), hidden since it follows $testid. The
// Across trials row selects every trial of $run; a single-trial run is its own run.
func runVariable() *dashboard.QueryVariableBuilder {
	return labelVariable("run", "Run (all trials)", catalog.VarRunOfTestID, "testid").
		Regex(catalog.RunOfTestIDRegex).
		Sort(dashboard.VariableSortAlphabeticalDesc).
		Hide(dashboard.VariableHideHideVariable).
		Multi(false).
		IncludeAll(false)
}

// serverVariable is multi-valued with an All of ".*", which fits the catalog's
// server=~"$server" matchers.
func serverVariable(name, label string, source catalog.Query, defaults []string) *dashboard.QueryVariableBuilder {
	b := labelVariable(name, label, source, "server").
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(true).
		IncludeAll(true).
		AllValue(".*")
	if len(defaults) > 0 {
		b.Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: defaults},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: defaults},
		})
	} else {
		b.Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		})
	}
	return b
}
