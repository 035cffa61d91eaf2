// Package version is the one source of the version every ssebench binary prints with
// --version and sends as its User-Agent.
package version

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Version, when set at link time, wins over the build information:
//
//	go build -ldflags "-X github.com/ssebench/ssebench/internal/version.Version=v1.2.0"
//
// Release builds without a .git directory (the container images) have no VCS stamp to
// read, so this is their only way to say which version they are.
var Version = ""

// String is the version: the linked Version, else the module version Go stamped from VCS
// (e.g. v0.0.0-20261202153307-9b9bdeb1c2d3+dirty), else the VCS revision, else "dev".
func String() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return fromBuildInfo(info)
}

func fromBuildInfo(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}

// Line is what --version prints: the program, its version and the Go release it was built with.
func Line(prog string) string {
	return prog + " " + String() + " (" + runtime.Version() + ")"
}

// UserAgent is the HTTP User-Agent of prog, e.g. "ssebench/v0.1.0".
func UserAgent(prog string) string {
	return prog + "/" + strings.ReplaceAll(String(), " ", "_")
}
