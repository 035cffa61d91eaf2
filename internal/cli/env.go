package cli

import (
	"flag"
	"strings"
	"unicode/utf8"
)

// Repeatable marks a flag.Value that may be given several times; its variable holds one
// value per line.
type Repeatable interface {
	flag.Value
	Repeatable()
}

// EnvName is the variable a flag falls back to: PREFIX_NAME with '-' and '.' as '_',
// upper case; "" for one-letter shorthands and --version, which have none.
func (f *FlagSet) EnvName(flagName string) string {
	if utf8.RuneCountInString(flagName) <= 1 || flagName == "version" || flagName == "help" {
		return ""
	}
	name := strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(flagName))
	return f.envPrefix + "_" + name
}

// applyEnv sets each flag not given on the command line from its variable.
func (f *FlagSet) applyEnv(lookupEnv func(string) (string, bool)) error {
	given := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	var err error
	f.VisitAll(func(fl *flag.Flag) {
		env := f.EnvName(fl.Name)
		if err != nil || given[fl.Name] || env == "" || lookupEnv == nil {
			return
		}
		v, ok := lookupEnv(env)
		if !ok || strings.TrimSpace(v) == "" {
			return
		}
		err = f.setFromEnv(fl, env, v)
	})
	return err
}

func (f *FlagSet) setFromEnv(fl *flag.Flag, env, v string) error {
	values := []string{v}
	if _, ok := fl.Value.(Repeatable); ok {
		values = strings.Split(v, "\n")
	}
	for _, one := range values {
		if _, ok := fl.Value.(Repeatable); ok && strings.TrimSpace(one) == "" {
			continue
		}
		if err := f.Set(fl.Name, strings.TrimSpace(one)); err != nil {
			return Usagef("$%s=%q (for --%s): %v", env, one, fl.Name, err)
		}
	}
	return nil
}
