package composecheck

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"

	"github.com/ssebench/ssebench/internal/exporterconfig"
)

// serverPorts maps each server service to its PORT, checking that each has one of its own.
func serverPorts(t *testing.T, p *types.Project) map[string]int {
	t.Helper()
	ports := map[string]int{}
	owner := map[int]string{}
	for _, name := range registryNames(t) {
		svc := service(t, p, name)
		port, err := strconv.Atoi(envValue(svc, "PORT"))
		if err != nil || port < 1 || port > 65535 {
			t.Errorf("%s: PORT %q is not a port number", name, envValue(svc, "PORT"))
			continue
		}
		if other, dup := owner[port]; dup {
			t.Errorf("%s and %s both listen on %d inside the network", other, name, port)
		}
		owner[port], ports[name] = name, port
		if got := envValue(svc, "HOST"); got != "0.0.0.0" {
			t.Errorf("%s: HOST %q, want 0.0.0.0 (the default, loopback, is unreachable from other containers)", name, got)
		}
		if got := envValue(svc, "STUB_URL"); got != "http://stub:18080" {
			t.Errorf("%s: STUB_URL %q, want http://stub:18080", name, got)
		}
		if d := svc.DependsOn["stub"]; d.Condition != types.ServiceConditionHealthy {
			t.Errorf("%s does not wait for a healthy stub", name)
		}
	}
	return ports
}

func TestEveryRegisteredServerIsAService(t *testing.T) {
	serverPorts(t, loadProject(t))
}

var runnerServers = regexp.MustCompile(`(?m)^SERVERS="([^"]*)"$`)

// TestRunnerTargetsEveryServer keeps compose/run-k6.sh's list equal to servers.yaml (same
// order) with the ports compose.yaml gives each server.
func TestRunnerTargetsEveryServer(t *testing.T) {
	p := loadProject(t)
	k6 := service(t, p, "k6")
	script := k6.Entrypoint[len(k6.Entrypoint)-1]
	host, ok := HostPath(k6, script)
	if !ok {
		t.Fatalf("k6 runs %s, which no bind mount provides", script)
	}
	data, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	m := runnerServers.FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s has no SERVERS=\"name:port …\" line", host)
	}
	ports := serverPorts(t, p)
	var names []string
	for _, entry := range strings.Fields(string(m[1])) {
		name, port, _ := strings.Cut(entry, ":")
		names = append(names, name)
		if _, isService := p.Services[name]; !isService {
			t.Errorf("run-k6.sh targets %s, which is not a compose service", name)
		} else if port != strconv.Itoa(ports[name]) {
			t.Errorf("run-k6.sh targets %s on port %s, compose.yaml gives it %d", name, port, ports[name])
		}
	}
	if want := registryNames(t); !slices.Equal(names, want) {
		t.Errorf("run-k6.sh servers %v, want servers.yaml's %v", names, want)
	}
	k6Script := regexp.MustCompile(`(?m)^K6_SCRIPT=(\S+)$`).FindSubmatch(data)
	if k6Script == nil {
		t.Fatalf("%s has no K6_SCRIPT= line", host)
	}
	if h, ok := HostPath(k6, string(k6Script[1])); !ok {
		t.Errorf("the k6 script %s is not mounted", k6Script[1])
	} else if _, err := os.Stat(h); err != nil {
		t.Errorf("the k6 script: %v", err)
	} else if _, err := os.Stat(filepath.Join(filepath.Dir(h), "scenarios.json")); err != nil {
		t.Errorf("sse.ts opens ./scenarios.json beside it: %v", err)
	}
}

// promConfig is the part of a Prometheus configuration these tests read.
type promConfig struct {
	Storage struct {
		TSDB struct {
			Retention struct {
				Time string `yaml:"time"`
			} `yaml:"retention"`
		} `yaml:"tsdb"`
	} `yaml:"storage"`
	Alerting struct {
		Alertmanagers []struct {
			StaticConfigs []staticConfig `yaml:"static_configs"`
		} `yaml:"alertmanagers"`
	} `yaml:"alerting"`
	ScrapeConfigs []struct {
		JobName       string         `yaml:"job_name"`
		StaticConfigs []staticConfig `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

type staticConfig struct {
	Targets []string          `yaml:"targets"`
	Labels  map[string]string `yaml:"labels"`
}

// flagValue returns the value of --name=value in a command.
func flagValue(command []string, name string) string {
	for _, arg := range command {
		if v, ok := strings.CutPrefix(arg, name+"="); ok {
			return v
		}
	}
	return ""
}

func readPromConfig(t *testing.T, prom types.ServiceConfig) promConfig {
	t.Helper()
	host, ok := HostPath(prom, flagValue(prom.Command, "--config.file"))
	if !ok {
		t.Fatalf("prometheus --config.file %q is not a mounted file", flagValue(prom.Command, "--config.file"))
	}
	data, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	var cfg promConfig
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("%s: %v", host, err)
	}
	return cfg
}

// TestPrometheusScrapesTheComposeServices checks the static targets against the services:
// the exporter, the stub, one probe per server at its port, and Alertmanager.
func TestPrometheusScrapesTheComposeServices(t *testing.T) {
	p := loadProject(t)
	cfg := readPromConfig(t, service(t, p, "prometheus"))
	exporterAddr := "exporter:" + portOf(t, envValue(service(t, p, "exporter"), "SSEBENCH_EXPORTER_WEB_LISTEN_ADDRESS"))
	jobs := map[string][]staticConfig{}
	for _, sc := range cfg.ScrapeConfigs {
		jobs[sc.JobName] = sc.StaticConfigs
	}
	if got := targetsOf(jobs["exporter"]); !slices.Equal(got, []string{exporterAddr}) {
		t.Errorf("job exporter scrapes %v, want [%s]", got, exporterAddr)
	}
	if got := targetsOf(jobs["stub"]); !slices.Equal(got, []string{"stub:" + envValue(service(t, p, "stub"), "PORT")}) {
		t.Errorf("job stub scrapes %v, want the stub service at its PORT", got)
	}
	ports := serverPorts(t, p)
	var probed []string
	for _, g := range jobs["sse-probe"] {
		server := g.Labels["server"]
		probed = append(probed, server)
		if !slices.Equal(g.Targets, []string{exporterAddr}) {
			t.Errorf("probe of %s goes to %v, want the exporter %s", server, g.Targets, exporterAddr)
		}
		u, err := url.Parse(g.Labels["__param_target"])
		if err != nil || u.Host != server+":"+strconv.Itoa(ports[server]) || u.Path != "/v1/chat/completions" {
			t.Errorf("probe of %s targets %q, want http://%s:%d/v1/chat/completions", server, g.Labels["__param_target"], server, ports[server])
		}
	}
	if want := registryNames(t); !slices.Equal(probed, want) {
		t.Errorf("probed servers %v, want servers.yaml's %v", probed, want)
	}
	checkProbesAllowed(t, p, jobs["sse-probe"])
	var managers []string
	for _, am := range cfg.Alerting.Alertmanagers {
		managers = append(managers, targetsOf(am.StaticConfigs)...)
	}
	if !slices.Equal(managers, []string{"alertmanager:9093"}) {
		t.Errorf("alerts go to %v, want [alertmanager:9093]", managers)
	}
}

func targetsOf(groups []staticConfig) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g.Targets...)
	}
	return out
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		t.Fatalf("address %q has no port", addr)
	}
	return addr[i+1:]
}

// TestExporterFindsEachServerByCommandLine loads the exporter configuration compose
// mounts with the exporter's own loader, and checks that each target's expression
// matches the command line its container starts (ENTRYPOINT and compose command) and
// no other server's.
func TestExporterFindsEachServerByCommandLine(t *testing.T) {
	p := loadProject(t)
	exp := service(t, p, "exporter")
	file := envValue(exp, "SSEBENCH_EXPORTER_CONFIG_FILE")
	host, ok := HostPath(exp, file)
	if !ok {
		t.Fatalf("exporter config %q is not a mounted file", file)
	}
	cfg, err := exporterconfig.Load(host)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Module("stream"); !ok {
		t.Errorf("%s has no module \"stream\", which the sse-probe job asks for", host)
	}
	cmdlines := map[string]string{}
	for _, name := range registryNames(t) {
		// /proc/<pid>/cmdline joined by spaces, as the exporter's cmdline matcher reads it.
		cmdlines[name] = strings.Join(containerArgv(t, service(t, p, name)), " ")
	}
	var targets []string
	for _, tg := range cfg.Targets {
		targets = append(targets, tg.Server)
		if tg.Method() != "cmdline" {
			t.Errorf("%s is found by %s; in compose only cmdline works (the exporter's network namespace holds no server socket)", tg.Server, tg.Method())
			continue
		}
		for name, line := range cmdlines {
			if matched := tg.Cmdline.MatchString(line); matched != (name == tg.Server) {
				t.Errorf("target %s (%s) matching %s's command line %q: %v", tg.Server, tg.Cmdline, name, line, matched)
			}
		}
	}
	if want := registryNames(t); !slices.Equal(targets, want) {
		t.Errorf("exporter targets %v, want servers.yaml's %v", targets, want)
	}
}
