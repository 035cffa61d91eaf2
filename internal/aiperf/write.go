package aiperf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Dir is the folder of a run's exports within its report folder, report/<testid>/aiperf/.
const Dir = "aiperf"

// safeName is what a server or scenario must be to name a folder: the labels ssebench
// writes are (servers.yaml names, k6/scenarios.json keys); anything else is refused rather
// than escaped, so that no label can write outside the run's folder.
var safeName = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

// Path is where the profile of server and scenario goes under a run's report folder:
// <runDir>/aiperf/<server>/<scenario>/profile_export_aiperf.json, one profile per folder, as
// AIPerf keeps one run per artifact folder.
func Path(runDir, server, scenario string) (string, error) {
	for _, name := range []string{server, scenario} {
		if !safeName.MatchString(name) || name == "." || name == ".." {
			return "", fmt.Errorf("aiperf: %q cannot name a folder (letters, digits, . _ : - only)", name)
		}
	}
	return filepath.Join(runDir, Dir, server, scenario, FileName), nil
}

// Marshal is an export as written: indented as AIPerf indents its file, ending in a newline.
func Marshal(e Export) ([]byte, error) {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("aiperf: %w", err)
	}
	return append(b, '\n'), nil
}

// Write writes each profile to its Path under runDir and returns the paths written. Every
// path and file is made before the first is written, so that a bad label leaves nothing.
func Write(runDir string, profiles []Profile) ([]string, error) {
	if len(profiles) == 0 {
		return nil, fmt.Errorf("aiperf: nothing to write")
	}
	paths := make([]string, len(profiles))
	files := make([][]byte, len(profiles))
	for i, p := range profiles {
		var err error
		if paths[i], err = Path(runDir, p.Server, p.Scenario); err != nil {
			return nil, err
		}
		if files[i], err = Marshal(p.Export); err != nil {
			return nil, err
		}
	}
	for i, path := range paths {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("aiperf: %w", err)
		}
		if err := os.WriteFile(path, files[i], 0o644); err != nil {
			return nil, fmt.Errorf("aiperf: %w", err)
		}
	}
	return paths, nil
}
