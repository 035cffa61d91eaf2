package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// The files of report/<testid>/, all written by WriteFiles.
const (
	FileHTML     = "index.html"
	FileMarkdown = "results.md"
	FileJSON     = "results.json" // the runner's record of the run
)

// Paths of one written report.
type Paths struct{ Dir, HTML, Markdown string }

var safeTestID = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

// Dir is report/<testid>/ under outDir, or an error when testid cannot name a directory.
func Dir(outDir, testid string) (string, error) {
	if !safeTestID.MatchString(testid) || testid == "." || testid == ".." {
		return "", fmt.Errorf("report: testid %q cannot name a directory (letters, digits, . _ : - only)", testid)
	}
	return filepath.Join(outDir, testid), nil
}

// WriteFiles writes files (by name: FileHTML, FileMarkdown, FileJSON) into outDir/<testid>/:
// the one writer of a run's folder, for the report and the runner alike.
func WriteFiles(outDir, testid string, files map[string][]byte) (string, error) {
	dir, err := Dir(outDir, testid)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
	}
	return dir, nil
}

// Write renders d into outDir/<testid>/index.html and results.md.
func Write(outDir string, d *Data) (Paths, error) {
	var html, md bytes.Buffer
	if _, err := Dir(outDir, d.TestID); err != nil {
		return Paths{}, err
	}
	if err := Render(&html, d); err != nil {
		return Paths{}, err
	}
	if err := WriteMarkdown(&md, d); err != nil {
		return Paths{}, err
	}
	dir, err := WriteFiles(outDir, d.TestID, map[string][]byte{FileHTML: html.Bytes(), FileMarkdown: md.Bytes()})
	if err != nil {
		return Paths{}, err
	}
	return Paths{Dir: dir, HTML: filepath.Join(dir, FileHTML), Markdown: filepath.Join(dir, FileMarkdown)}, nil
}
