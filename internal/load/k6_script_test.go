package load

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The k6 script and the Go engine must name the checks alike: dashboards select
// k6_checks_rate{check="..."} whichever of the two produced the data.
func TestK6ScriptNamesTheSameChecks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "k6", "sse.ts"))
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	for _, name := range []string{CheckStatus200, CheckDone} {
		if !strings.Contains(script, strconv.Quote(name)) {
			t.Errorf("k6/sse.ts does not name the check %q", name)
		}
	}
	for _, want := range []string{`open("./scenarios.json")`, "__ENV.TARGET", "__ENV.SERVER", "__ENV.TESTID", ChatCompletionsPath, "stream: true"} {
		if !strings.Contains(script, want) {
			t.Errorf("k6/sse.ts lacks %q", want)
		}
	}
}
