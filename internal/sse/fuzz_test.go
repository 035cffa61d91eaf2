package sse

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzParser checks that the way a stream is cut into reads never changes its events,
// that the events match the whole-stream reference, and that nothing panics.
func FuzzParser(f *testing.F) {
	f.Fuzz(func(t *testing.T, stream []byte, seed uint64) {
		whole := feedPieces([][]byte{stream})
		if ref := referenceParse(stream); !slices.Equal(whole, ref) {
			t.Fatalf("whole feed %v\nreference  %v", whole, ref)
		}
		rng := rand.New(rand.NewPCG(seed, seed>>32|1))
		split := feedPieces(randomPieces(rng, stream, 1+rng.IntN(16)))
		if !slices.Equal(split, whole) {
			t.Fatalf("random reads %v\nwhole feed   %v", split, whole)
		}
		if len(stream) <= 512 {
			if bytewise := feedPieces(chunked(stream, 1)); !slices.Equal(bytewise, whole) {
				t.Fatalf("one-byte reads %v\nwhole feed     %v", bytewise, whole)
			}
		}
		for _, ev := range whole {
			if !utf8.ValidString(ev.Data) || !utf8.ValidString(ev.Type) || !utf8.ValidString(ev.ID) {
				t.Fatalf("event %v is not valid UTF-8", ev)
			}
			if bytes.IndexByte([]byte(ev.ID), 0) >= 0 {
				t.Fatalf("event %v has a NUL in its ID", ev)
			}
		}
	})
}
