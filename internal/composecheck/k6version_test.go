package composecheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestOneK6Version: the k6 image of compose, the @types/k6 the script is type-checked
// against and the docs name one k6 release line (major.minor), so that what the script
// is checked against is what runs it.
func TestOneK6Version(t *testing.T) {
	root := repoRoot(t)
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	b, err := os.ReadFile(filepath.Join(root, "k6", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	types := pkg.DevDependencies["@types/k6"]
	line := regexp.MustCompile(`^(\d+\.\d+)\.\d+$`).FindStringSubmatch(types)
	if line == nil {
		t.Fatalf("k6/package.json pins @types/k6 %q: want an exact x.y.z", types)
	}
	image := regexp.MustCompile(`grafana/k6:(\d+\.\d+)\.\d+`)
	for _, file := range []string{"compose.yaml", "compose/k6-testrun.yaml", "compose/README.md", "k6/README.md"} {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		tags := image.FindAllStringSubmatch(string(b), -1)
		if len(tags) == 0 {
			t.Errorf("%s names no grafana/k6 image", file)
		}
		for _, tag := range tags {
			if tag[1] != line[1] {
				t.Errorf("%s runs %s but the script is type-checked against @types/k6 %s", file, tag[0], types)
			}
		}
	}
}

// TestK6ScriptHasThresholds: without thresholds real k6 exits 0 when every stream fails;
// run-k6.sh reports a non-zero k6 exit (its own test drives a k6 stand-in exiting 99).
func TestK6ScriptHasThresholds(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "k6", "sse.ts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"thresholds:", "checks: [`rate>=", "http_req_failed: [`rate<=", "__ENV.MAX_FAIL_RATE"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("k6/sse.ts lacks %q", want)
		}
	}
}
