package servers

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/ssebench/ssebench/internal/repo"
)

// RegistryPath is where servers.yaml lives relative to the repository root.
const RegistryPath = "servers/servers.yaml"

// LoadRegistry finds the repository root and loads its servers.yaml.
func LoadRegistry() (root string, list []Server, err error) {
	root, err = repo.FindRoot()
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
