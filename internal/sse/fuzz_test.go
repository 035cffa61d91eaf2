package sse

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
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

// FuzzParserLimit: with a small size limit, how the stream is cut into reads changes
// neither the events delivered before a limit error nor the error.
func FuzzParserLimit(f *testing.F) {
	f.Add([]byte("data: abc\n\ndata: "+string(bytes.Repeat([]byte("x"), 40))+"\n\n"), uint64(16))
	f.Add([]byte("data: a\ndata: b\ndata: c\n\n"), uint64(3))
	f.Add([]byte("\xEF\xBB\xBFdata: 1234567\r\n\r\n"), uint64(13))
	f.Fuzz(func(t *testing.T, stream []byte, seed uint64) {
		limit := 1 + int(seed%64)
		feed := func(pieces [][]byte) ([]rec, error) {
			p := NewParser()
			p.SetMaxEventSize(limit)
			var got []rec
			for _, b := range pieces {
				p.Feed(b, time.Time{}, func(ev *Event) {
					if len(ev.Data) > limit {
						t.Fatalf("an event of %d bytes passed the %d limit", len(ev.Data), limit)
					}
					got = append(got, toRec(ev))
				})
			}
			return got, p.Err()
		}
		whole, werr := feed([][]byte{stream})
		rng := rand.New(rand.NewPCG(seed, seed>>32|1))
		split, serr := feed(randomPieces(rng, stream, 1+rng.IntN(16)))
		if !slices.Equal(split, whole) || serr != werr {
			t.Fatalf("limit %d: random reads %v (%v)\nwhole feed   %v (%v)", limit, split, serr, whole, werr)
		}
		if len(stream) <= 512 {
			if bytewise, berr := feed(chunked(stream, 1)); !slices.Equal(bytewise, whole) || berr != werr {
				t.Fatalf("limit %d: one-byte reads %v (%v)\nwhole feed     %v (%v)", limit, bytewise, berr, whole, werr)
			}
		}
		if werr == nil {
			if ref := referenceParse(stream); !slices.Equal(whole, ref) {
				t.Fatalf("limit %d not reached, yet %v differs from the reference %v", limit, whole, ref)
			}
		}
	})
}
