package servers

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModulePath is the root module's path; FindRoot looks for the go.mod that declares it.
const ModulePath = "github.com/ssebench/ssebench"

// FindRoot walks up from the working directory to the repository root: the directory
// whose go.mod declares ModulePath. The servers' own go.mod files are passed over.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	start := dir
	for {
		if isRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod with module %s in %s or any parent", ModulePath, start)
		}
		dir = parent
	}
}

func isRoot(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == ModulePath
		}
	}
	return false
}

// RegistryPath is where servers.yaml lives relative to the repository root.
const RegistryPath = "servers/servers.yaml"

// LoadRegistry finds the repository root and loads its servers.yaml.
func LoadRegistry() (root string, list []Server, err error) {
	root, err = FindRoot()
	if err != nil {
		return "", nil, err
	}
	list, err = Load(filepath.Join(root, RegistryPath))
	return root, list, err
}

// Select keeps the servers named in names (in the registry's order); an empty names keeps
// all of them. A name that is not in the registry is an error.
func Select(list []Server, names []string) ([]Server, error) {
	if len(names) == 0 {
		return list, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	var out []Server
	for _, s := range list {
		if want[s.Name] {
			out = append(out, s)
			delete(want, s.Name)
		}
	}
	if len(want) > 0 {
		var unknown []string
		for n := range want {
			unknown = append(unknown, n)
		}
		return nil, errors.New("unknown server(s) " + strings.Join(unknown, ", ") + "; see " + RegistryPath)
	}
	return out, nil
}
