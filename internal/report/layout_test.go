package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/internal/catalog"
	"github.com/ssebench/ssebench/internal/results"
	"github.com/ssebench/ssebench/internal/stats"
)

// wideCostTable is a cost table as wide as a real 3-trial run makes it: ten servers, every
// column with a ± (README's table of 2026-12-02).
func wideCostTable() *results.Table {
	t := &results.Table{TestID: "20261127-0400", Scenario: catalog.ScenarioEfficiency, Trials: []string{"a-t1", "a-t2", "a-t3"}, Columns: catalog.Efficiency.List(), RankBy: catalog.Efficiency.CPUMicros}
	for i, server := range []string{"direct", "rust-http", "rust-hyper", "rust-actix", "rust-axum", "bun-http", "go-gin", "go-fiber", "bun-hono", "go-http"} {
		r := results.Row{Server: server, Scenario: "efficiency", Values: map[string]float64{}, Intervals: map[string]stats.Interval{}}
		for j, c := range catalog.Efficiency.List() {
			v := 1000.0 + float64(100*i+j) + 0.4
			r.Values[c.Name] = v
			r.Intervals[c.Name] = stats.Interval{Point: v, Lo: v - 315.3, Hi: v + 315.3, N: 3, Method: stats.MethodTrials}
		}
		t.Rows = append(t.Rows, r)
	}
	t.Sort()
	return t
}

// No table runs out of its card: at the screenshot's width every table's visible box (the
// table, or the scrolling box around it) ends inside its section. The page itself has no
// script; the test measures a copy with one added.
func TestTablesStayInsideTheirCards(t *testing.T) {
	bin := chromiumBinary(t)
	dir := t.TempDir()
	d := sampleData()
	d.Tables = []*results.Table{wideCostTable()}
	paths, err := Write(dir, d)
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(paths.HTML)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte(`id="efficiency"`)) {
		t.Fatal("the cost table is not on the page")
	}
	const measure = `<pre id="overflow"></pre><script>
const out = [];
for (const table of document.querySelectorAll("section table")) {
  const section = table.closest("section");
  let box = table;
  for (let el = table.parentElement; el && el !== section; el = el.parentElement) {
    if (["auto", "scroll"].includes(getComputedStyle(el).overflowX)) { box = el; break; }
  }
  const cs = getComputedStyle(section);
  const right = section.getBoundingClientRect().right - parseFloat(cs.borderRightWidth) - parseFloat(cs.paddingRight);
  const over = box.getBoundingClientRect().right - right;
  if (over > 0.5) out.push(section.id + " " + Math.round(over) + "px");
}
document.getElementById("overflow").textContent = "OVERFLOW[" + out.join("; ") + "]";
</script>`
	probe := filepath.Join(dir, "measure.html")
	if err := os.WriteFile(probe, bytes.Replace(page, []byte("</body>"), []byte(measure+"</body>"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
		"--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir="+t.TempDir(),
		"--window-size=1280,4000", "--dump-dom", "file://"+probe)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`OVERFLOW\[([^\]]*)\]`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("the measuring script did not run:\n%s", outputTail(stdout.String()+stderr.String()))
	}
	if m[1] != "" {
		t.Errorf("tables run out of their cards on the right: %s", m[1])
	}
}

func outputTail(s string) string {
	if len(s) > 2000 {
		return fmt.Sprint("…", s[len(s)-2000:])
	}
	return strings.TrimSpace(s)
}
