package servers

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/ssebench/ssebench/internal/repo"
)

// RegistryPath is where servers.yaml lives relative to the repository root.
const RegistryPath = "servers/servers.yaml"

// ServersFileEnv names a servers file to read instead of the repository's servers.yaml,
// so that the conformance suite (and `ssebench run`) can be pointed at a user's own servers.
const ServersFileEnv = "SSEBENCH_SERVERS_FILE"

// RegistryFile returns the servers file to load: $SSEBENCH_SERVERS_FILE (looked up with
// lookupEnv, normally os.LookupEnv) when it is set and not empty, else root's
// servers/servers.yaml; see ResolveRegistryFile for how a relative path is taken.
func RegistryFile(root string, lookupEnv func(string) (string, bool)) string {
	v, _ := lookupEnv(ServersFileEnv)
	return ResolveRegistryFile(root, v)
}

// ResolveRegistryFile returns the servers file named by path: root's servers/servers.yaml
// when path is empty, path itself (cleaned) when it is absolute, and path relative to the
// repository root otherwise — not to the working directory, which `go test` sets to the
// package's folder. A caller that wants a path relative to where the user stands (a command
// line flag) makes it absolute with filepath.Abs first.
//
// Whichever file it is, the build commands run in root and relative commands are taken
// relative to root, as for servers.yaml itself.
func ResolveRegistryFile(root, path string) string {
	switch {
	case path == "":
		return filepath.Join(root, RegistryPath)
	case filepath.IsAbs(path):
		return filepath.Clean(path)
	}
	return filepath.Join(root, path)
}

// LoadRegistry finds the repository root and loads its servers.yaml. It does not read
// $SSEBENCH_SERVERS_FILE: callers that honour it use RegistryFile.
func LoadRegistry() (root string, list []Server, err error) {
	root, err = repo.FindRoot()
	if err != nil {
		return "", nil, err
	}
	list, err = Load(filepath.Join(root, RegistryPath))
	return root, list, err
}

// Select keeps the servers named in names (in the registry's order); an empty names keeps
// all of them but the optional ones (the pitfall rows, run only when named). A name that is
// not in the registry is an error.
func Select(list []Server, names []string) ([]Server, error) {
	if len(names) == 0 {
		var out []Server
		for _, s := range list {
			if !s.Optional {
				out = append(out, s)
			}
		}
		return out, nil
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
