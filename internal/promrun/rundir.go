package promrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/ssebench/ssebench/internal/repo"
)

// The base configuration (prometheus/prometheus.yml) names its rule files and
// scrape targets relative to its own directory. A run directory reproduces that
// layout per run, so the base file is used unchanged:
//
//	<run>/prometheus.yml   copy of the base configuration (a record of what ran)
//	<run>/rules            symbolic link to the repository's prometheus/rules
//	<run>/targets/*.json   file_sd target files written by WriteTargets
const (
	ConfigFileName = "prometheus.yml"
	rulesDirName   = "rules"
	targetsDirName = "targets"
)

// BaseConfigDir is the repository's prometheus/ folder.
func BaseConfigDir() (string, error) {
	root, err := repo.FindRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "prometheus"), nil
}

// PrepareRunDir lays out runDir as described above from baseDir and returns
// the configuration file to pass as Options.ConfigFile.
func PrepareRunDir(runDir, baseDir string) (string, error) {
	base, err := os.ReadFile(filepath.Join(baseDir, ConfigFileName))
	if err != nil {
		return "", fmt.Errorf("reading the base prometheus configuration: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(runDir, targetsDirName), 0o755); err != nil {
		return "", fmt.Errorf("creating the prometheus run directory: %w", err)
	}
	configFile := filepath.Join(runDir, ConfigFileName)
	if err := os.WriteFile(configFile, base, 0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", configFile, err)
	}
	if err := linkRules(runDir, baseDir); err != nil {
		return "", err
	}
	return configFile, nil
}

func linkRules(runDir, baseDir string) error {
	rules, err := filepath.Abs(filepath.Join(baseDir, rulesDirName))
	if err != nil {
		return err
	}
	link := filepath.Join(runDir, rulesDirName)
	if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("replacing %s: %w", link, err)
	}
	// A missing rules folder is fine: the link dangles and the glob matches nothing.
	if err := os.Symlink(rules, link); err != nil {
		return fmt.Errorf("linking %s to %s: %w", link, rules, err)
	}
	return nil
}

// TargetGroup is one entry of a file_sd target file.
type TargetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels,omitempty"`
}

var targetFileName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// WriteTargets replaces <runDir>/targets/<name>.json. The base configuration
// scrapes targets/exporter*.json as job "exporter", targets/stub*.json as job
// "stub" and targets/probe*.json as job "sse-probe". The file is replaced atomically so that Prometheus' file watcher
// never reads half of it; Prometheus picks it up within seconds, no reload needed.
func WriteTargets(runDir, name string, groups []TargetGroup) error {
	if !targetFileName.MatchString(name) {
		return fmt.Errorf("target file name %q: want lower-case letters, digits, '-' or '_'", name)
	}
	for i, g := range groups {
		if len(g.Targets) == 0 {
			return fmt.Errorf("target group %d of %q has no targets", i, name)
		}
	}
	if groups == nil {
		groups = []TargetGroup{}
	}
	data, err := json.MarshalIndent(groups, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Join(runDir, targetsDirName)
	tmp, err := os.CreateTemp(dir, "."+name+"-*.tmp")
	if err != nil {
		return fmt.Errorf("writing targets %q: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing targets %q: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing targets %q: %w", name, err)
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name+".json"))
}
