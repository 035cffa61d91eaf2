package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Paths of one written report.
type Paths struct{ Dir, HTML, Markdown string }

var safeTestID = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

// Write renders d into outDir/<testid>/index.html and results.md.
func Write(outDir string, d *Data) (Paths, error) {
	if !safeTestID.MatchString(d.TestID) || d.TestID == "." || d.TestID == ".." {
		return Paths{}, fmt.Errorf("report: testid %q cannot name a directory (letters, digits, . _ : - only)", d.TestID)
	}
	p := Paths{Dir: filepath.Join(outDir, d.TestID)}
	p.HTML = filepath.Join(p.Dir, "index.html")
	p.Markdown = filepath.Join(p.Dir, "results.md")
	var html, md bytes.Buffer
	if err := Render(&html, d); err != nil {
		return Paths{}, err
	}
	if err := WriteMarkdown(&md, d); err != nil {
		return Paths{}, err
	}
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return Paths{}, fmt.Errorf("report: %w", err)
	}
	for path, data := range map[string][]byte{p.HTML: html.Bytes(), p.Markdown: md.Bytes()} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return Paths{}, fmt.Errorf("report: %w", err)
		}
	}
	return p, nil
}
