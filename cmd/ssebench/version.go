package main

import (
	"fmt"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/version"
)

func init() { register("version", "print the build's version and Go version", versionMain) }

func versionMain(args []string, sys cli.IO) int {
	fs := cli.NewFlagSet("ssebench version", "SSEBENCH")
	fs.Examples = []string{"ssebench version", "ssebench --version  # the same"}
	if err := fs.Parse(args, sys.LookupEnv); err != nil {
		return fs.Exit(err, sys)
	}
	fmt.Fprintln(sys.Stdout, version.Line("ssebench"))
	return cli.ExitOK
}
