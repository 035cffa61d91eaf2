package report

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromiumBinary is Debian's chromium (make chromium installs it); SSEBENCH_CHROMIUM overrides.
func chromiumBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SSEBENCH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found: `make deps` installs it (make chromium)")
	}
	t.Skip("chromium not found: run `make chromium`")
	return ""
}

// TestReportOpensInChromium opens the sample report in headless Chromium with every
// network path closed, fails on any console error, and checks the screenshot shows a
// rendered page. SSEBENCH_REPORT_SCREENSHOT_DIR keeps the page and its screenshot
// (make report-screenshot).
func TestReportOpensInChromium(t *testing.T) {
	bin := chromiumBinary(t)
	dir := t.TempDir()
	if keep := os.Getenv("SSEBENCH_REPORT_SCREENSHOT_DIR"); keep != "" {
		dir = keep
	}
	paths, err := Write(dir, sampleData())
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report.png")
	os.Remove(shot)
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--hide-scrollbars",
		"--host-resolver-rules=MAP * ~NOTFOUND", // a reference to anything outside the file fails loudly
		"--user-data-dir="+profile,
		"--enable-logging=stderr", "--v=0",
		"--window-size=1280,4000", "--screenshot="+shot,
		"file://"+paths.HTML)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") ||
			strings.Contains(line, "net::ERR_") {
			t.Errorf("browser reported: %s", line)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, stderr.String())
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 3000 {
		t.Errorf("screenshot is %v, want about 1280×4000", b)
	}
	if n := distinctColours(img); n < 50 {
		t.Errorf("screenshot has %d distinct colours: the page did not render its charts", n)
	}
	t.Logf("screenshot: %s", shot)
}

func distinctColours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
		}
	}
	return len(seen)
}
