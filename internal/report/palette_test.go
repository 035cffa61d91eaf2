package report

import (
	"image/color"
	"testing"

	"github.com/ssebench/ssebench/internal/servers"
)

// TestPaletteTakesServersYAMLsColours: every server gets the colour servers.yaml gives it,
// however many of one runtime there are; the others a stable fallback.
func TestPaletteTakesServersYAMLsColours(t *testing.T) {
	infos := []servers.Info{
		{Name: "go-http", Runtime: "Go", Color: "#59a14f"}, {Name: "go-gin", Runtime: "Go", Color: "#76b7b2"},
		{Name: "go-fiber", Runtime: "Go", Color: "#4e79a7"}, {Name: "go-echo", Runtime: "Go", Color: "#123456"},
	}
	p := newPalette(infos, []string{"go-http", "go-gin", "go-fiber", "go-echo", "direct"})
	if got := p.of("go-echo"); got != (color.RGBA{0x12, 0x34, 0x56, 0xff}) {
		t.Errorf("a fourth Go server got %v, want servers.yaml's #123456", got)
	}
	if got := p.of("go-http"); got != (color.RGBA{0x59, 0xa1, 0x4f, 0xff}) {
		t.Errorf("go-http got %v", got)
	}
	if again := newPalette(nil, []string{"direct"}); again.of("direct") != p.of("direct") {
		t.Error("the fallback colour of a server without one is not stable")
	}
}
