// Command gen writes the compose stack's files that name the servers, from servers/servers.yaml
// (run by `make generate`).
package main

import (
	"fmt"
	"os"

	"github.com/ssebench/ssebench/compose"
	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/servers"
)

func main() { os.Exit(run(os.Args[1:], cli.OS())) }

func run(args []string, sys cli.IO) int {
	fs := cli.NewFlagSet("compose-gen", "SSEBENCH_COMPOSE")
	fs.About = "Write compose.yaml, compose/exporter.yml, prometheus/compose/prometheus.yml, prometheus/compose/server-info.yml, compose/run-k6.sh and compose/rendered/ from servers/servers.yaml and compose/templates."
	fs.Examples = []string{"go run ./compose/cmd/gen  # what make generate does"}
	if err := fs.Parse(args, sys.LookupEnv); err != nil {
		return fs.Exit(err, sys)
	}
	root, list, err := servers.LoadRegistry()
	if err != nil {
		return fs.Exit(err, sys)
	}
	paths, err := compose.Write(root, list)
	if err != nil {
		return fs.Exit(fmt.Errorf("generating the compose files: %w", err), sys)
	}
	for _, p := range paths {
		fmt.Fprintln(sys.Stdout, "wrote", p)
	}
	return cli.ExitOK
}
