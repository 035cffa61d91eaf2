package composecheck

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"go.yaml.in/yaml/v3"
)

// testRun is the part of a k6-operator TestRun these tests read.
type testRun struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Spec       struct {
		Parallelism int `yaml:"parallelism"`
		Script      struct {
			ConfigMap struct {
				Name string `yaml:"name"`
				File string `yaml:"file"`
			} `yaml:"configMap"`
		} `yaml:"script"`
		Arguments string `yaml:"arguments"`
		Runner    struct {
			Image string `yaml:"image"`
			Env   []struct {
				Name  string `yaml:"name"`
				Value string `yaml:"value"`
			} `yaml:"env"`
		} `yaml:"runner"`
	} `yaml:"spec"`
}

var (
	tagArg = regexp.MustCompile(`--tag (\w+)=(\S+)`)
	envArg = regexp.MustCompile(`-e (\w+)=(\S+)`)
)

// TestK6OperatorExampleMatchesCompose keeps compose/k6-testrun.yaml (docs/scaling.md)
// consistent with the k6 service: the same image and remote-write settings, a real
// server at its port, a real scenario, and server and testid as --tag flags (k6-operator
// adds its own --tag flags, which would replace the script's options.tags).
func TestK6OperatorExampleMatchesCompose(t *testing.T) {
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "compose", "k6-testrun.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tr testRun
	if err := yaml.Unmarshal(data, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.APIVersion != "k6.io/v1alpha1" || tr.Kind != "TestRun" {
		t.Errorf("apiVersion/kind %s/%s, want k6.io/v1alpha1/TestRun", tr.APIVersion, tr.Kind)
	}
	if tr.Spec.Parallelism < 2 {
		t.Errorf("parallelism %d: the example is about distributing the load", tr.Spec.Parallelism)
	}
	if _, err := os.Stat(filepath.Join(root, "k6", tr.Spec.Script.ConfigMap.File)); err != nil {
		t.Errorf("the ConfigMap's script %q is not a file of k6/: %v", tr.Spec.Script.ConfigMap.File, err)
	}

	p := loadProject(t)
	k6 := service(t, p, "k6")
	if tr.Spec.Runner.Image != k6.Image {
		t.Errorf("runner image %q, compose runs %q", tr.Spec.Runner.Image, k6.Image)
	}
	env := map[string]string{}
	for _, e := range tr.Spec.Runner.Env {
		env[e.Name] = e.Value
	}
	for _, name := range []string{"K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM", "K6_PROMETHEUS_RW_STALE_MARKERS", "K6_PROMETHEUS_RW_PUSH_INTERVAL"} {
		if env[name] != envValue(k6, name) {
			t.Errorf("runner %s = %q, compose's k6 has %q", name, env[name], envValue(k6, name))
		}
	}
	if env["K6_PROMETHEUS_RW_SERVER_URL"] == "" {
		t.Errorf("the runners have no K6_PROMETHEUS_RW_SERVER_URL")
	}

	tags := map[string]string{}
	for _, m := range tagArg.FindAllStringSubmatch(tr.Spec.Arguments, -1) {
		tags[m[1]] = m[2]
	}
	vars := map[string]string{}
	for _, m := range envArg.FindAllStringSubmatch(tr.Spec.Arguments, -1) {
		vars[m[1]] = m[2]
	}
	if !regexp.MustCompile(`(^|\s)-o experimental-prometheus-rw(\s|$)`).MatchString(tr.Spec.Arguments) {
		t.Errorf("arguments %q do not select the experimental-prometheus-rw output", tr.Spec.Arguments)
	}
	if tags["testid"] == "" {
		t.Errorf("arguments carry no --tag testid")
	}
	server := tags["server"]
	if !slices.Contains(registryNames(t), server) {
		t.Fatalf("--tag server=%q is not a server of servers.yaml", server)
	}
	u, err := url.Parse(vars["TARGET"])
	if err != nil || u.Port() != strconv.Itoa(serverPorts(t, p)[server]) {
		t.Errorf("TARGET %q is not %s's port %d", vars["TARGET"], server, serverPorts(t, p)[server])
	}
	var scenarios struct {
		Scenarios map[string]json.RawMessage `json:"scenarios"`
	}
	raw, err := os.ReadFile(filepath.Join(root, "k6", "scenarios.json"))
	if err == nil {
		err = json.Unmarshal(raw, &scenarios)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := scenarios.Scenarios[vars["SCENARIO"]]; !ok {
		t.Errorf("SCENARIO %q is not in k6/scenarios.json", vars["SCENARIO"])
	}
}
