package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
)

// Flag helpers shared by the subcommands; internal/cli does the parsing and the environment.

func splitCSV(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func absPathOrEmpty(p string) string {
	if p == "" {
		return ""
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return abs
}

// repeatedHeaders collects repeated "Name: value" flags.
type repeatedHeaders http.Header

func (h repeatedHeaders) String() string { return fmt.Sprint(http.Header(h)) }

func (h repeatedHeaders) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q: want \"Name: value\"", s)
	}
	http.Header(h).Add(strings.TrimSpace(name), strings.TrimSpace(value))
	return nil
}

// Repeatable: $SSEBENCH_HEADER holds one header per line.
func (h repeatedHeaders) Repeatable() {}
