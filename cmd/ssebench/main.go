// Command ssebench benchmarks SSE streaming proxies: `ssebench run` is the whole local
// benchmark; `load`, `report` and `compare` are its parts.
//
// Each subcommand lives in its own file and registers itself in init, so that adding one
// never edits this file. Every one follows internal/cli's convention.
package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/ssebench/ssebench/internal/cli"
	"github.com/ssebench/ssebench/internal/version"
)

// command is one subcommand: it parses its own flags from args and returns the exit status.
type command struct {
	summary string
	run     func(args []string, sys cli.IO) int
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, sys cli.IO) int) {
	if _, dup := commands[name]; dup {
		panic("ssebench: subcommand registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	os.Exit(dispatch(os.Args[1:], cli.OS()))
}

func dispatch(args []string, sys cli.IO) int {
	if len(args) == 0 {
		fmt.Fprintf(sys.Stderr, "ssebench: give a command, one of %s (see ssebench --help)\n", strings.Join(commandNames(), ", "))
		return cli.ExitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(sys.Stdout)
		return cli.ExitOK
	case "-version", "--version":
		fmt.Fprintln(sys.Stdout, version.Line("ssebench"))
		return cli.ExitOK
	case "help":
		if len(args) == 1 {
			usage(sys.Stdout)
			return cli.ExitOK
		}
		return dispatch([]string{args[1], "--help"}, sys)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(sys.Stderr, "ssebench: unknown command %q: want one of %s (see ssebench --help)\n", args[0], strings.Join(commandNames(), ", "))
		return cli.ExitUsage
	}
	return cmd.run(args[1:], sys)
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: ssebench <command> [flags]\n       ssebench help <command>\n\nCommands:")
	for _, name := range commandNames() {
		fmt.Fprintf(w, "  %-9s %s\n", name, commands[name].summary)
	}
	fmt.Fprint(w, `
Every command takes -h/--help and --version; every flag falls back to $SSEBENCH_<FLAG>
(docs/cli.md). Exit status: 0 done, 1 failed, 2 wrong command line or environment;
compare: 1 a significant regression, 3 failed; load: 130 interrupted.

Examples:
  ssebench run --quick --servers go-http         # a few minutes: go-http and direct
  ssebench run --trials 3                         # the full benchmark, 3 interleaved trials
  ssebench compare 20261201-101500 20261202-093000
  ssebench report --testid 20261202-093000
  ssebench help run
`)
}

// isTerminal reports whether w is a terminal, for the live progress line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
