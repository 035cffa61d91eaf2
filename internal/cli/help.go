package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// PrintHelp writes the usage, the flags with their defaults and variables, and the examples.
func (f *FlagSet) PrintHelp(w io.Writer) {
	synopsis := f.Synopsis
	if len(synopsis) == 0 {
		synopsis = []string{f.name + " [flags]"}
	}
	fmt.Fprintf(w, "Usage: %s\n", strings.Join(synopsis, "\n       "))
	if f.About != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(f.About))
	}
	fmt.Fprintf(w, "\nFlags (a flag not given falls back to the environment variable in brackets;\ndurations read 500ms, 30s, 5m, 1h30m, 2d or 1.5s):\n")
	f.VisitAll(func(fl *flag.Flag) { fmt.Fprint(w, f.flagHelp(fl)) })
	if len(f.Examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range f.Examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

func (f *FlagSet) flagHelp(fl *flag.Flag) string {
	kind, usage := flag.UnquoteUsage(fl)
	if _, ok := fl.Value.(durationValue); ok {
		kind = "duration"
	}
	dash := "--"
	if len(fl.Name) == 1 {
		dash = "-"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %s%s", dash, fl.Name)
	if kind != "" {
		fmt.Fprintf(&b, " %s", kind)
	}
	fmt.Fprintf(&b, "\n        %s", strings.ReplaceAll(usage, "\n", "\n        "))
	if !zeroDefault(fl.DefValue) {
		fmt.Fprintf(&b, " (default %s)", fl.DefValue)
	}
	if env := f.EnvName(fl.Name); env != "" {
		fmt.Fprintf(&b, " [$%s]", env)
	}
	b.WriteByte('\n')
	return b.String()
}

func zeroDefault(v string) bool {
	switch v {
	case "", "0", "false", "0s", "[]", "map[]":
		return true
	}
	return false
}
