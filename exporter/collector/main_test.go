package collector

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/internal/exporterconfig"
	"github.com/ssebench/ssebench/internal/testchild"
)

// scrapeEnv makes the test binary scrape once and print the metrics: the permission test
// runs it under another user. Its value is "PROC_ROOT|TARGET|TARGET...".
const scrapeEnv = "SSEBENCH_EXPORTER_TEST_SCRAPE"

func TestMain(m *testing.M) {
	testchild.RunIfChild()
	if spec := os.Getenv(scrapeEnv); spec != "" {
		if err := scrapeOnce(spec, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "scrape child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func scrapeOnce(spec string, w io.Writer) error {
	parts := strings.Split(spec, "|")
	var targets []exporterconfig.Target
	for _, s := range parts[1:] {
		t, err := exporterconfig.ParseTargetFlag(s)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	e, err := New(parts[0], slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	e.SetTargets(targets)
	text, err := gatherText(e)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text)
	return err
}
