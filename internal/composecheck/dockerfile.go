package composecheck

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Startup is what a Dockerfile's final stage starts: its exec-form ENTRYPOINT and CMD.
type Startup struct {
	Entrypoint []string
	Cmd        []string
}

// Argv is the command line a container runs: the compose service's entrypoint and
// command, when set, replace the image's (as Docker does; a new entrypoint also drops
// the image's CMD).
func (s Startup) Argv(entrypoint, command []string) []string {
	ep, cmd := s.Entrypoint, s.Cmd
	if entrypoint != nil {
		ep, cmd = entrypoint, nil
	}
	if command != nil {
		cmd = command
	}
	return append(append([]string{}, ep...), cmd...)
}

// ReadStartup reads the final stage of a Dockerfile. A shell-form ENTRYPOINT or CMD is an
// error: `/bin/sh -c` would stand first in the command line, and the exporter finds
// servers by command line.
func ReadStartup(dockerfile string) (Startup, error) {
	f, err := os.Open(dockerfile)
	if err != nil {
		return Startup{}, err
	}
	defer f.Close()
	var s Startup
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		keyword, rest, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch strings.ToUpper(keyword) {
		case "FROM":
			s = Startup{} // a new stage: only the last one runs
		case "ENTRYPOINT":
			if s.Entrypoint, err = execForm(rest); err != nil {
				return Startup{}, fmt.Errorf("%s:%d: ENTRYPOINT: %w", dockerfile, line, err)
			}
		case "CMD":
			if s.Cmd, err = execForm(rest); err != nil {
				return Startup{}, fmt.Errorf("%s:%d: CMD: %w", dockerfile, line, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return Startup{}, err
	}
	if len(s.Entrypoint)+len(s.Cmd) == 0 {
		return Startup{}, fmt.Errorf("%s: the final stage has neither ENTRYPOINT nor CMD", dockerfile)
	}
	return s, nil
}

func execForm(s string) ([]string, error) {
	var argv []string
	if err := json.Unmarshal([]byte(strings.TrimSpace(s)), &argv); err != nil || len(argv) == 0 {
		return nil, fmt.Errorf("%q is not the JSON exec form", strings.TrimSpace(s))
	}
	return argv, nil
}
