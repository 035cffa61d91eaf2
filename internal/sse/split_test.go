package sse

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// multiEventStream exercises every rule at once: a BOM, all three line ends,
// comments, event, id, retry, multi-line data, multi-byte UTF-8 and invalid bytes.
const multiEventStream = "\xEF\xBB\xBF: hello\r\n" +
	"event: greet\rid: 1\rdata: héllo\rdata: 世界\r\r" +
	"retry: 3000\r\ndata: 🙂 two\r\n\r\n" +
	"event: skip\n\n" +
	"id: 2\x00\ndata:three\ndata\n\n" +
	"id\r\ndata: \xE2\x82four\r\n:\r\n\r" +
	"\ndata: five\n\n" +
	"data: unfinished\n"

var multiEventWant = []rec{
	{Type: "greet", ID: "1", Data: "héllo\n世界"},
	{ID: "1", Data: "🙂 two", Retry: 3 * time.Second, HasRetry: true},
	{ID: "1", Data: "three\n"},
	{Data: "\uFFFDfour"},
	{Data: "five"},
}

func TestSplitMultiEventStreamWhole(t *testing.T) {
	stream := []byte(multiEventStream)
	if got := feedPieces([][]byte{stream}); !slices.Equal(got, multiEventWant) {
		t.Fatalf("got %v\nwant %v", got, multiEventWant)
	}
	if ref := referenceParse(stream); !slices.Equal(ref, multiEventWant) {
		t.Fatalf("the reference disagrees: %v", ref)
	}
}

func TestSplitAtEveryOffset(t *testing.T) {
	stream := []byte(multiEventStream)
	for i := 0; i <= len(stream); i++ {
		if got := feedPieces(cutAt(stream, i)); !slices.Equal(got, multiEventWant) {
			t.Fatalf("cut at %d (%q | %q): got %v", i, stream[:i], stream[i:], got)
		}
	}
}

func TestSplitAtEveryPairOfOffsets(t *testing.T) {
	stream := []byte(multiEventStream)
	for i := 0; i <= len(stream); i++ {
		for j := i; j <= len(stream); j++ {
			if got := feedPieces(cutAt(stream, i, j)); !slices.Equal(got, multiEventWant) {
				t.Fatalf("cuts at %d and %d: got %v", i, j, got)
			}
		}
	}
}

func TestSplitFixedSizeReads(t *testing.T) {
	stream := []byte(multiEventStream)
	for _, size := range []int{1, 2, 3, 7, 64} {
		if got := feedPieces(chunked(stream, size)); !slices.Equal(got, multiEventWant) {
			t.Fatalf("%d-byte reads: got %v", size, got)
		}
	}
	// Two-byte reads starting at an odd offset put every pair boundary elsewhere.
	pieces := append([][]byte{stream[:1]}, chunked(stream[1:], 2)...)
	if got := feedPieces(pieces); !slices.Equal(got, multiEventWant) {
		t.Fatalf("2-byte reads from offset 1: got %v", got)
	}
}

func TestSplitRandomReads(t *testing.T) {
	stream := []byte(multiEventStream)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		pieces := randomPieces(rng, stream, 9)
		if got := feedPieces(pieces); !slices.Equal(got, multiEventWant) {
			t.Fatalf("reads %q: got %v", pieces, got)
		}
	}
}

func TestSplitOpenAIStreamInRandomReads(t *testing.T) {
	stream := []byte(openAIStream(40))
	want := openAIWant(40)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		if got := feedPieces(randomPieces(rng, stream, 300)); !slices.Equal(got, want) {
			t.Fatalf("got %d events, want %d", len(got), len(want))
		}
	}
}

// randomPieces cuts stream into reads of 0 to maxLen bytes; empty reads are legal too.
func randomPieces(rng *rand.Rand, stream []byte, maxLen int) [][]byte {
	var pieces [][]byte
	for len(stream) > 0 {
		n := min(rng.IntN(maxLen+1), len(stream))
		pieces = append(pieces, stream[:n])
		stream = stream[n:]
	}
	return pieces
}

// TestSplitArrivalTime checks that At is the time of the read that completed the event.
func TestSplitArrivalTime(t *testing.T) {
	cases := []struct {
		name   string
		pieces []string
		want   []int // index of the read each event's At must come from
	}{
		{"blank line in the next read", []string{"data: a\n", "\n"}, []int{1}},
		{"whole event in one read", []string{"data: a\n\n", "data: b\n\n"}, []int{0, 1}},
		{"CR completes the event, the LF after it arrives later", []string{"data: a\r\n\r", "\n"}, []int{0}},
		{"CRLF split between reads", []string{"data: a\r", "\n\r", "\n"}, []int{1}},
		{"later reads carry only data of the next event", []string{"data: a\n", "\ndata: b", "\n", "\n"}, []int{1, 3}},
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParser()
			var got []int
			for i, piece := range tc.pieces {
				p.Feed([]byte(piece), base.Add(time.Duration(i)*time.Second), func(ev *Event) {
					got = append(got, int(ev.At.Sub(base)/time.Second))
				})
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("events came from reads %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSplitCRThenLFIsOneLineEnd is the case a naive parser gets wrong: a CR ending one
// read and an LF opening the next must not count as two line ends (which would dispatch).
func TestSplitCRThenLFIsOneLineEnd(t *testing.T) {
	got := feedPieces([][]byte{[]byte("data: a\r"), []byte("\ndata: b\r"), []byte("\n\r"), []byte("\n")})
	if want := []rec{msg("a\nb")}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestSplitBOMAcrossReads(t *testing.T) {
	for _, pieces := range [][]string{
		{"\xEF", "\xBB", "\xBF", "data: a\n\n"},
		{"\xEF\xBB", "\xBFdata: a\n\n"},
		{"", "\xEF", "", "\xBB\xBFdata: a\n\n"},
	} {
		if got := feedPieces(bytesOf(pieces)); !slices.Equal(got, []rec{msg("a")}) {
			t.Errorf("reads %q: got %v", pieces, got)
		}
	}
	// A BOM prefix that turns out not to be one is kept as content of the first line.
	got := feedPieces(bytesOf([]string{"\xEF\xBB", ": c\ndata: a\n\n"}))
	if !slices.Equal(got, []rec{msg("a")}) {
		t.Errorf("partial BOM: got %v", got)
	}
	p := NewParser()
	p.Feed([]byte("\xEF\xBB"), time.Time{}, nil)
	p.Feed([]byte(": c\n"), time.Time{}, nil)
	if p.Comments() != 0 {
		t.Error("a line starting with a partial BOM was taken for a comment")
	}
}

func bytesOf(pieces []string) [][]byte {
	out := make([][]byte, len(pieces))
	for i, s := range pieces {
		out[i] = []byte(s)
	}
	return out
}
