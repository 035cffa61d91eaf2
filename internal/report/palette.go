package report

import (
	"fmt"
	"hash/fnv"
	"image/color"

	"github.com/ssebench/ssebench/internal/servers"
)

// fallback colours the servers servers.yaml gives no colour (the direct reference, a
// server the registry no longer lists), by a hash of the name so that each keeps its colour.
var fallback = []color.RGBA{{0x8c, 0x8c, 0x8c, 0xff}, {0xed, 0xc9, 0x48, 0xff}, {0xff, 0x9d, 0xa7, 0xff}, {0x3b, 0x3b, 0x6d, 0xff}}

// palette gives each server its colour: servers.yaml's `color`, never a guess from the name.
type palette map[string]color.RGBA

func newPalette(infos []servers.Info, names []string) palette {
	p := palette{}
	for _, s := range infos {
		if c, ok := parseHex(s.Color); ok {
			p[s.Name] = c
		}
	}
	for _, n := range names {
		if _, ok := p[n]; !ok {
			h := fnv.New32a()
			h.Write([]byte(n))
			p[n] = fallback[h.Sum32()%uint32(len(fallback))]
		}
	}
	return p
}

// parseHex reads "#rrggbb".
func parseHex(s string) (color.RGBA, bool) {
	var r, g, b uint8
	if len(s) != 7 {
		return color.RGBA{}, false
	}
	if _, err := fmt.Sscanf(s, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return color.RGBA{}, false
	}
	return color.RGBA{r, g, b, 0xff}, true
}

func (p palette) of(server string) color.RGBA {
	if c, ok := p[server]; ok {
		return c
	}
	return fallback[0]
}
