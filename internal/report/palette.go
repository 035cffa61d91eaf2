package report

import (
	"hash/fnv"
	"image/color"
	"sort"
	"strings"
)

// Colours by runtime, so that a family reads as one hue across every chart: Bun warm,
// Go blue-green, Rust red-brown; shades tell the frameworks apart.
var families = map[string][]color.RGBA{
	"bun":  {{0xf2, 0x8e, 0x2b, 0xff}, {0xe1, 0x57, 0x59, 0xff}, {0xf6, 0xb2, 0x6b, 0xff}},
	"go":   {{0x4e, 0x79, 0xa7, 0xff}, {0x76, 0xb7, 0xb2, 0xff}, {0x59, 0xa1, 0x4f, 0xff}},
	"rust": {{0x9c, 0x75, 0x5f, 0xff}, {0xb0, 0x7a, 0xa1, 0xff}, {0x7f, 0x3c, 0x2c, 0xff}, {0xba, 0xa0, 0x8e, 0xff}},
}

var fallback = []color.RGBA{{0x8c, 0x8c, 0x8c, 0xff}, {0xed, 0xc9, 0x48, 0xff}, {0xff, 0x9d, 0xa7, 0xff}, {0x3b, 0x3b, 0x6d, 0xff}}

// palette assigns each server a stable colour: within a family, servers get shades in name order.
type palette map[string]color.RGBA

func newPalette(servers []string) palette {
	sorted := append([]string(nil), servers...)
	sort.Strings(sorted)
	used := map[string]int{}
	p := palette{}
	for _, s := range sorted {
		family := strings.SplitN(s, "-", 2)[0]
		shades, ok := families[family]
		if !ok || used[family] >= len(shades) {
			h := fnv.New32a()
			h.Write([]byte(s))
			p[s] = fallback[h.Sum32()%uint32(len(fallback))]
			continue
		}
		p[s] = shades[used[family]]
		used[family]++
	}
	return p
}

func (p palette) of(server string) color.RGBA {
	if c, ok := p[server]; ok {
		return c
	}
	return fallback[0]
}
