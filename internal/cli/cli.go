// Package cli is the one command-line convention of every ssebench binary (ssebench and its
// subcommands, the stub, the exporter):
//
//   - -h/--help prints usage with examples to stdout and exits 0; --version prints the
//     version (internal/version) to stdout and exits 0;
//   - a usage error (unknown flag, bad value, bad environment variable, missing argument)
//     prints one line naming what is wrong to stderr and exits 2;
//   - a runtime error prints one line to stderr and exits 1;
//   - every flag of more than one letter, except --version, falls back to an environment
//     variable named PREFIX_FLAG_NAME (upper case, '-' and '.' become '_'), given on the
//     command line it wins; an empty variable counts as unset; a repeatable flag takes one
//     value per line of its variable;
//   - a duration is written Prometheus's way (500ms, 30s, 5m, 1h30m, 2d, 1w) or Go's
//     (1.5s, 500us), never negative.
//
// docs/cli.md says the same for users.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/ssebench/ssebench/internal/version"
)

// IO is what a command reads and writes besides its arguments; tests inject their own.
type IO struct {
	Stdout, Stderr io.Writer
	LookupEnv      func(string) (string, bool)
}

// OS is the process's own standard streams and environment.
func OS() IO { return IO{Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv} }

// MapEnv is an environment made of m, for tests.
func MapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// dashDash spells the flag package's "-name" as "--name", as the help and docs do.
var dashDash = regexp.MustCompile(`(^|[\s:])-([A-Za-z][\w.-]+)`)

// ErrVersion is returned by Parse when --version was given.
var ErrVersion = errors.New("version requested")

// UsageError is a wrong command line or environment: exit status 2.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// Usagef is a usage error; say what is wrong and what would be right.
func Usagef(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// FlagSet is a flag.FlagSet with the convention's help, environment fallbacks and --version.
type FlagSet struct {
	*flag.FlagSet
	name      string // as typed, e.g. "ssebench run"
	envPrefix string // e.g. "SSEBENCH"
	// Synopsis lines follow "Usage:"; About is a paragraph; Examples are command lines,
	// each optionally followed by "  # what it does".
	Synopsis []string
	About    string
	Examples []string
	version  bool
}

// NewFlagSet returns the flags of the command name, whose variables start with envPrefix_.
func NewFlagSet(name, envPrefix string) *FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // Exit prints errors once, help goes to stdout
	f := &FlagSet{FlagSet: fs, name: name, envPrefix: envPrefix}
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	return f
}

// Name is the command as typed, e.g. "ssebench run".
func (f *FlagSet) Name() string { return f.name }

// Parse parses args, then the environment fallbacks of the flags not given. It returns
// flag.ErrHelp, ErrVersion, a *UsageError (also for a positional argument), or nil.
func (f *FlagSet) Parse(args []string, lookupEnv func(string) (string, bool)) error {
	if err := f.FlagSet.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return Usagef("%s", dashDash.ReplaceAllString(err.Error(), "$1--$2"))
	}
	if f.version {
		return ErrVersion
	}
	if f.NArg() > 0 { // a command taking arguments separates them before Parse (compare)
		return Usagef("unexpected argument %q: every setting is a flag", f.Arg(0))
	}
	return f.applyEnv(lookupEnv)
}

// IsSet reports whether a flag was given, on the command line or by its variable.
func (f *FlagSet) IsSet(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// Exit prints what err calls for, the one way every command does, and returns the exit
// status: help and version to stdout (0), a usage error (2) or a runtime error (1) as one
// line on stderr prefixed by the command's name.
func (f *FlagSet) Exit(err error, sys IO) int {
	var usage *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		f.PrintHelp(sys.Stdout)
		return ExitOK
	case errors.Is(err, ErrVersion):
		fmt.Fprintln(sys.Stdout, version.Line(f.name))
		return ExitOK
	case errors.As(err, &usage):
		fmt.Fprintf(sys.Stderr, "%s: %v (see %s --help)\n", f.name, err, f.name)
		return ExitUsage
	}
	fmt.Fprintf(sys.Stderr, "%s: %v\n", f.name, err)
	return ExitFailure
}
