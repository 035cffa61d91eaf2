// Command gen writes ssebench's Grafana dashboards as JSON (run by `make dashboards`).
package main

import (
	"fmt"
	"os"

	"github.com/ssebench/ssebench/dashboards"
	"github.com/ssebench/ssebench/internal/cli"
)

func main() { os.Exit(run(os.Args[1:], cli.OS())) }

func run(args []string, sys cli.IO) int {
	fs := cli.NewFlagSet("dashboards-gen", "SSEBENCH_DASHBOARDS")
	fs.About = "Write the Grafana dashboards, generated from the query catalog, as JSON."
	fs.Examples = []string{"go run ./dashboards/cmd/gen --dir dashboards/grafana/dashboards  # what make dashboards does"}
	dir := fs.String("dir", "dashboards/grafana/dashboards", "directory to write the dashboard JSON into")
	if err := fs.Parse(args, sys.LookupEnv); err != nil {
		return fs.Exit(err, sys)
	}
	if err := dashboards.Write(*dir); err != nil {
		return fs.Exit(fmt.Errorf("generating dashboards: %w", err), sys)
	}
	fmt.Fprintln(sys.Stdout, "dashboards written to", *dir)
	return cli.ExitOK
}
