package main

import (
	"fmt"
	"runtime/debug"
)

func init() { register("version", "print the build's version and Go version", versionMain) }

func versionMain([]string) int {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Println("ssebench (no build info)")
		return 0
	}
	fmt.Printf("ssebench %s (%s)\n", info.Main.Version, info.GoVersion)
	return 0
}
