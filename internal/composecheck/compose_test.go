package composecheck

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

func TestLoadsAndNormalises(t *testing.T) {
	p := loadProject(t)
	if p.Name != "ssebench" {
		t.Errorf("project name %q, want ssebench (image and volume names derive from it)", p.Name)
	}
	want := append([]string{"stub", "exporter", "prometheus", "alertmanager", "alert-receiver", "grafana", "k6"}, registryNames(t)...)
	got := p.ServiceNames()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("services %v, want %v", got, want)
	}
}

func TestGrafanaPasswordIsRequired(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := Load(ctx, repoRoot(t), nil)
	if err == nil || !strings.Contains(err.Error(), "GRAFANA_ADMIN_PASSWORD") {
		t.Fatalf("loading without GRAFANA_ADMIN_PASSWORD gave %v, want an error naming it", err)
	}
	g := service(t, loadProject(t), "grafana")
	if got := envValue(g, "GF_SECURITY_ADMIN_PASSWORD"); got != testPassword {
		t.Errorf("GF_SECURITY_ADMIN_PASSWORD = %q, want the value of GRAFANA_ADMIN_PASSWORD", got)
	}
	if got := envValue(g, "GF_AUTH_ANONYMOUS_ENABLED"); got != "false" {
		t.Errorf("anonymous viewing is %q by default, want false (opt in with GRAFANA_ANONYMOUS)", got)
	}
}

func TestBuildContextsAndDockerfilesExist(t *testing.T) {
	p := loadProject(t)
	built := 0
	for name, svc := range p.Services {
		if svc.Build == nil {
			continue
		}
		built++
		if fi, err := os.Stat(svc.Build.Context); err != nil || !fi.IsDir() {
			t.Errorf("%s: build context %s is not a directory", name, svc.Build.Context)
			continue
		}
		dockerfile := svc.Build.Dockerfile
		if !filepath.IsAbs(dockerfile) {
			dockerfile = filepath.Join(svc.Build.Context, dockerfile)
		}
		if _, err := ReadStartup(dockerfile); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The servers built from a folder of their own (the others run a published image:
	// nginx, haproxy, caddy), the stub, the exporter, the alert receiver.
	if want := len(builtServers(t)) + 3; built != want {
		t.Errorf("%d services are built, want %d", built, want)
	}
}

// TestAlertsReachTheReceiver: Alertmanager's one webhook, http://127.0.0.1:9095/alerts,
// reaches something in compose — the example receiver, in Alertmanager's network namespace,
// listening on that port (its Dockerfile keeps the program's default address).
func TestAlertsReachTheReceiver(t *testing.T) {
	r := service(t, loadProject(t), "alert-receiver")
	if r.NetworkMode != "service:alertmanager" {
		t.Errorf("alert-receiver network_mode %q, want service:alertmanager", r.NetworkMode)
	}
	cfg, err := os.ReadFile(filepath.Join(repoRoot(t), "prometheus", "alertmanager.yml"))
	if err != nil {
		t.Fatal(err)
	}
	main, err := os.ReadFile(filepath.Join(repoRoot(t), "prometheus", "webhook-receiver", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "url: http://127.0.0.1:9095/alerts") || !strings.Contains(string(main), `"listen-address", "127.0.0.1:9095"`) {
		t.Error("alertmanager.yml's webhook url and the receiver's default address no longer agree on 127.0.0.1:9095")
	}
}

func TestMountedFilesExist(t *testing.T) {
	p := loadProject(t)
	root := repoRoot(t)
	for name, svc := range p.Services {
		for _, v := range svc.Volumes {
			switch v.Type {
			case types.VolumeTypeBind:
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s: mounts %s, which does not exist", name, v.Source)
				}
				if _, inside := within(root, v.Source); !inside {
					t.Errorf("%s: mounts %s from outside the repository", name, v.Source)
				}
				if !v.ReadOnly {
					t.Errorf("%s: %s is mounted writable; the repository's files are configuration", name, v.Source)
				}
			case types.VolumeTypeVolume:
				if _, ok := p.Volumes[v.Source]; !ok {
					t.Errorf("%s: volume %q is not declared", name, v.Source)
				}
			}
		}
	}
	for svc, target := range map[string]string{"prometheus": "/prometheus", "grafana": "/var/lib/grafana"} {
		if !hasNamedVolume(service(t, p, svc), target) {
			t.Errorf("%s: %s is not on a named volume; its data would go with the container", svc, target)
		}
	}
}

func hasNamedVolume(svc types.ServiceConfig, target string) bool {
	for _, v := range svc.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Target == target {
			return true
		}
	}
	return false
}

func TestOnlyGrafanaAndPrometheusArePublishedOnLoopback(t *testing.T) {
	p := loadProject(t)
	seen := map[string]string{}
	for name, svc := range p.Services {
		for _, port := range svc.Ports {
			if name != "grafana" && name != "prometheus" {
				t.Errorf("%s publishes port %s; only grafana and prometheus may", name, port.Published)
			}
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %s is bound to %q, want 127.0.0.1", name, port.Published, port.HostIP)
			}
			if first, dup := seen[port.Published]; dup {
				t.Errorf("%s and %s both publish host port %s", first, name, port.Published)
			}
			seen[port.Published] = name
		}
	}
	if seen["3000"] != "grafana" {
		t.Errorf("grafana is not published on 127.0.0.1:3000 (the README sends users there)")
	}
}

func TestPulledImagesArePinned(t *testing.T) {
	p := loadProject(t)
	want := map[string]string{
		"prometheus":   "prom/prometheus:v3.16.0",
		"alertmanager": "prom/alertmanager:v0.35.0",
	}
	for name, svc := range p.Services {
		if svc.Build != nil && svc.Image == "" {
			continue // built from the repository
		}
		tag := imageTag(svc.Image)
		if tag == "" || tag == "latest" {
			t.Errorf("%s: image %q is not pinned to a version tag", name, svc.Image)
		}
		if w, ok := want[name]; ok && svc.Image != w {
			t.Errorf("%s: image %q, want %q (the version `make deps` builds promtool and amtool from)", name, svc.Image, w)
		}
	}
}

// imageTag returns the tag of an image reference, "" when it has none (a digest counts
// as a pin).
func imageTag(image string) string {
	if _, digest, ok := strings.Cut(image, "@"); ok {
		return digest
	}
	last := image[strings.LastIndex(image, "/")+1:]
	if _, tag, ok := strings.Cut(last, ":"); ok {
		return tag
	}
	return ""
}

func TestImageTag(t *testing.T) {
	for image, want := range map[string]string{
		"grafana/grafana:12.4.2":                "12.4.2",
		"grafana/grafana":                       "",
		"registry.local:5000/grafana":           "",
		"registry.local:5000/grafana:latest":    "latest",
		"prom/prometheus@sha256:0123456789abcd": "sha256:0123456789abcd",
	} {
		if got := imageTag(image); got != want {
			t.Errorf("imageTag(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestHealthyDependenciesHaveHealthChecks(t *testing.T) {
	p := loadProject(t)
	for name, svc := range p.Services {
		for dep, d := range svc.DependsOn {
			target, ok := p.Services[dep]
			if !ok {
				t.Errorf("%s depends on %s, which is not a service", name, dep)
				continue
			}
			if d.Condition == types.ServiceConditionHealthy && (target.HealthCheck == nil || len(target.HealthCheck.Test) == 0) {
				t.Errorf("%s waits for %s to be healthy, but compose.yaml gives %s no health check", name, dep, dep)
			}
		}
	}
	for _, name := range []string{"stub", "prometheus", "alertmanager", "grafana"} {
		if hc := service(t, p, name).HealthCheck; hc == nil || len(hc.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
	}
	if d := service(t, p, "grafana").DependsOn["prometheus"]; d.Condition != types.ServiceConditionHealthy {
		t.Errorf("grafana does not wait for a healthy prometheus")
	}
}

func TestExporterSeesHostProcesses(t *testing.T) {
	e := service(t, loadProject(t), "exporter")
	if e.Pid != "host" {
		t.Errorf("exporter pid %q, want host: it reads the servers' /proc entries", e.Pid)
	}
	if e.NetworkMode != "" {
		t.Errorf("exporter network_mode %q: it must stay on the compose network to probe the servers", e.NetworkMode)
	}
}

// TestExporterLeastPrivilege: the exporter starts with no capability but the two that
// reading another user's /proc/<pid>/fd, its links and io need (measured with setpriv,
// see docs/security.md): CAP_DAC_READ_SEARCH opens the 0500 fd directory and the 0400
// io file, CAP_SYS_PTRACE passes the ptrace-read check of fd/N, exe and ns/net. sock_diag
// needs none. Root only because Docker gives a non-root user no added capability.
func TestExporterLeastPrivilege(t *testing.T) {
	e := service(t, loadProject(t), "exporter")
	if !slices.Equal(e.CapDrop, []string{"ALL"}) {
		t.Errorf("exporter cap_drop %v, want [ALL]", e.CapDrop)
	}
	add := slices.Clone(e.CapAdd)
	slices.Sort(add)
	if want := []string{"DAC_READ_SEARCH", "SYS_PTRACE"}; !slices.Equal(add, want) {
		t.Errorf("exporter cap_add %v, want exactly %v", e.CapAdd, want)
	}
	if !e.ReadOnly {
		t.Errorf("exporter root filesystem is writable, want read_only: true")
	}
	if !slices.Contains(e.SecurityOpt, "no-new-privileges:true") {
		t.Errorf("exporter security_opt %v lacks no-new-privileges:true", e.SecurityOpt)
	}
	if e.Privileged {
		t.Errorf("exporter is privileged")
	}
	if e.User != "0:0" && e.User != "65532:65532" {
		t.Errorf("exporter user %q: want 65532:65532, or 0:0 (with cap_drop [ALL]) while a server runs as another user", e.User)
	}
}

func TestPrometheusFlagsAndRetention(t *testing.T) {
	prom := service(t, loadProject(t), "prometheus")
	for _, flag := range []string{"--web.enable-remote-write-receiver", "--web.enable-lifecycle"} {
		if !slices.Contains(prom.Command, flag) {
			t.Errorf("prometheus command %v lacks %s", prom.Command, flag)
		}
	}
	cfg := readPromConfig(t, prom)
	if cfg.Storage.TSDB.Retention.Time == "" {
		t.Errorf("the compose Prometheus configuration sets no retention time")
	}
}

func TestK6RunsOnlyInTheBenchProfile(t *testing.T) {
	p := loadProject(t)
	k6 := service(t, p, "k6")
	if !slices.Equal(k6.Profiles, []string{"bench"}) {
		t.Errorf("k6 profiles %v, want [bench]: `docker compose up` must not start a load run", k6.Profiles)
	}
	for name, svc := range p.Services {
		if name != "k6" && len(svc.Profiles) > 0 {
			t.Errorf("%s is in profiles %v; only k6 should be", name, svc.Profiles)
		}
	}
	for name, want := range map[string]string{
		"K6_PROMETHEUS_RW_SERVER_URL":                "http://prometheus:9090/api/v1/write",
		"K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM": "true",
		"K6_PROMETHEUS_RW_STALE_MARKERS":             "true",
		"K6_PROMETHEUS_RW_PUSH_INTERVAL":             "1s",
	} {
		if got := envValue(k6, name); got != want {
			t.Errorf("k6 %s = %q, want %q", name, got, want)
		}
	}
	for _, name := range registryNames(t) {
		if _, ok := k6.DependsOn[name]; !ok {
			t.Errorf("k6 does not depend on %s: `docker compose run k6` would not start it", name)
		}
	}
}

func TestGrafanaProvisioningPointsAtComposePrometheus(t *testing.T) {
	p := loadProject(t)
	g := service(t, p, "grafana")
	dir, ok := HostPath(g, "/etc/grafana/provisioning/datasources")
	if !ok {
		t.Fatal("grafana: nothing is mounted at /etc/grafana/provisioning")
	}
	data, err := os.ReadFile(filepath.Join(dir, "prometheus.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "url: http://prometheus:9090") {
		t.Errorf("the provisioned datasource does not point at http://prometheus:9090, the compose service")
	}
	dashboards, ok := HostPath(g, "/var/lib/grafana/dashboards/ssebench")
	if !ok {
		t.Fatal("grafana: the dashboards are not mounted where the provider reads them")
	}
	home, ok := HostPath(g, envValue(g, "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"))
	if _, err := os.Stat(home); !ok || err != nil {
		t.Errorf("the home dashboard %s is not a mounted file", envValue(g, "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"))
	}
	if files, _ := filepath.Glob(filepath.Join(dashboards, "*.json")); len(files) == 0 {
		t.Errorf("no dashboards in %s", dashboards)
	}
}
