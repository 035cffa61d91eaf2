// Package repo finds the repository root: where servers.yaml, k6/, prometheus/ and bin/ are.
package repo

import (
	"bufio"
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
