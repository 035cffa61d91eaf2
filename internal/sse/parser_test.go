package sse

import (
	"math"
	"slices"
	"testing"
	"time"
)

func msg(data string) rec { return rec{Data: data} }

// parserCases cite the WHATWG "event stream interpretation" rule each one checks.
var parserCases = []struct {
	name     string
	stream   string
	want     []rec
	comments int
}{
	{"dispatch/blank line dispatches the event", "data: hi\n\n", []rec{msg("hi")}, 0},
	{"dispatch/event without its blank line is not dispatched", "data: hi\n", nil, 0},
	{"dispatch/line without its line end is not processed", "data: hi", nil, 0},
	{"dispatch/empty data buffer resets type and dispatches nothing", "event: a\n\ndata: x\n\n", []rec{msg("x")}, 0},
	{"dispatch/blank lines alone dispatch nothing", "\n\n\r\n\r", nil, 0},
	{"dispatch/only the one trailing LF is removed", "data: a\ndata\n\n", []rec{msg("a\n")}, 0},
	{"dispatch/incomplete last event is discarded", "data: a\n\ndata: b\n", []rec{msg("a")}, 0},
	{"data/lines are joined with LF", "data: a\ndata: b\ndata: c\n\n", []rec{msg("a\nb\nc")}, 0},
	{"data/empty value still makes the buffer non-empty", "data\n\n", []rec{msg("")}, 0},
	{"data/colon with empty value", "data:\n\n", []rec{msg("")}, 0},
	{"data/two empty data lines give one LF", "data\ndata\n\n", []rec{msg("\n")}, 0},
	{"field/one leading space is removed from the value", "data:  two\n\n", []rec{msg(" two")}, 0},
	{"field/no space after the colon", "data:x\n\n", []rec{msg("x")}, 0},
	{"field/trailing spaces are kept", "data: x  \n\n", []rec{msg("x  ")}, 0},
	{"field/a tab is not the removed space", "data:\tx\n\n", []rec{msg("\tx")}, 0},
	{"field/split at the first colon only", "data: a:b: c\n\n", []rec{msg("a:b: c")}, 0},
	{"field/line without colon is a name with empty value", "data\ndata: x\n\n", []rec{msg("\nx")}, 0},
	{"field/unknown fields are ignored", "foo: bar\nDATA: y\ndata: x\n\n", []rec{msg("x")}, 0},
	{"field/names are case-sensitive", "Data: x\n\n", nil, 0},
	{"field/a space before the colon is part of the name", "data : x\n\n", nil, 0},
	{"comment/colon lines are ignored and counted", ": hi\ndata: x\n: bye\n\n", []rec{msg("x")}, 2},
	{"comment/a lone colon is a comment", ":\n\n", nil, 1},
	{"comment/does not end an event", "data: a\n:keep-alive\ndata: b\n\n", []rec{msg("a\nb")}, 1},
	{"event/sets the type", "event: add\ndata: x\n\n", []rec{{Type: "add", Data: "x"}}, 0},
	{"event/the last event field wins", "event: a\nevent: b\ndata: x\n\n", []rec{{Type: "b", Data: "x"}}, 0},
	{"event/type is reset after dispatch", "event: a\ndata: x\n\ndata: y\n\n", []rec{{Type: "a", Data: "x"}, msg("y")}, 0},
	{"event/empty value means message", "event: a\nevent:\ndata: x\n\n", []rec{msg("x")}, 0},
	{"id/sets the last event ID, which persists", "id: 1\ndata: a\n\ndata: b\n\n", []rec{{ID: "1", Data: "a"}, {ID: "1", Data: "b"}}, 0},
	{"id/empty value resets the ID", "id: 1\ndata: a\n\nid\ndata: b\n\n", []rec{{ID: "1", Data: "a"}, msg("b")}, 0},
	{"id/value containing NUL is ignored", "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", []rec{{ID: "1", Data: "a"}, {ID: "1", Data: "b"}}, 0},
	{"id/set in a block that dispatches nothing still persists", "id: 7\n\ndata: a\n\n", []rec{{ID: "7", Data: "a"}}, 0},
	{"id/spaces are kept apart from the first", "id:  x \ndata: a\n\n", []rec{{ID: " x ", Data: "a"}}, 0},
	{"retry/ASCII digits set the reconnection time", "retry: 1500\ndata: x\n\n", []rec{{Data: "x", Retry: 1500 * time.Millisecond, HasRetry: true}}, 0},
	{"retry/zero is valid", "retry: 0\ndata: x\n\n", []rec{{Data: "x", HasRetry: true}}, 0},
	{"retry/non-digits are ignored", "retry: 15x\ndata: x\n\n", []rec{msg("x")}, 0},
	{"retry/a sign is ignored", "retry: -1\nretry: +1\ndata: x\n\n", []rec{msg("x")}, 0},
	{"retry/a second leading space is ignored", "retry:  10\ndata: x\n\n", []rec{msg("x")}, 0},
	{"retry/a decimal point is ignored", "retry: 1.5\ndata: x\n\n", []rec{msg("x")}, 0},
	{"retry/empty value is ignored", "retry:\nretry\ndata: x\n\n", []rec{msg("x")}, 0},
	{"retry/the last valid value wins", "retry: 10\nretry: x\ndata: a\n\n", []rec{{Data: "a", Retry: 10 * time.Millisecond, HasRetry: true}}, 0},
	{"retry/belongs to its own event only", "retry: 10\ndata: a\n\ndata: b\n\n", []rec{{Data: "a", Retry: 10 * time.Millisecond, HasRetry: true}, msg("b")}, 0},
	{"retry/huge values saturate", "retry: 99999999999999999999999\ndata: a\n\n", []rec{{Data: "a", Retry: time.Duration(math.MaxInt64), HasRetry: true}}, 0},
	{"line end/CR alone", "data: a\rdata: b\r\r", []rec{msg("a\nb")}, 0},
	{"line end/CRLF", "data: a\r\ndata: b\r\n\r\n", []rec{msg("a\nb")}, 0},
	{"line end/LF CR is two line ends", "data: a\n\rdata: b\n\n", []rec{msg("a"), msg("b")}, 0},
	{"line end/CR CR LF is two line ends", "data: a\r\r\ndata: b\n\n", []rec{msg("a"), msg("b")}, 0},
	{"line end/mixed in one stream", "data: a\rdata: b\r\ndata: c\n\r\ndata: d\n\r", []rec{msg("a\nb\nc"), msg("d")}, 0},
	{"bom/one BOM at the start is skipped", "\xEF\xBB\xBFdata: a\n\n", []rec{msg("a")}, 0},
	{"bom/only one BOM is skipped", "\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n", nil, 0},
	{"bom/a BOM after the start is content", "data: a\n\n\xEF\xBB\xBFdata: b\n\n", []rec{msg("a")}, 0},
	{"bom/a BOM inside a value is kept", "data: \xEF\xBB\xBFa\n\n", []rec{msg("\uFEFFa")}, 0},
	{"bom/a partial BOM is content", "\xEF\xBB: c\ndata: a\n\n", []rec{msg("a")}, 0},
	{"bom/a BOM before a comment", "\xEF\xBB\xBF: c\ndata: a\n\n", []rec{msg("a")}, 1},
	{"utf8/invalid bytes decode to U+FFFD", "data: a\xFFb\n\n", []rec{msg("a\uFFFDb")}, 0},
	{"utf8/a truncated sequence is one U+FFFD", "data: \xE2\x82\n\n", []rec{msg("\uFFFD")}, 0},
	{"utf8/a surrogate is three U+FFFD", "data: \xED\xA0\x80\n\n", []rec{msg("\uFFFD\uFFFD\uFFFD")}, 0},
	{"utf8/multi-byte text passes unchanged", "data: héllo 世界 🙂\n\n", []rec{msg("héllo 世界 🙂")}, 0},
	{"utf8/event and id values are decoded", "event: \xFF\nid: \xC3\ndata: x\n\n", []rec{{Type: "\uFFFD", ID: "\uFFFD", Data: "x"}}, 0},
	{"openai/chunks then [DONE]", openAIStream(3), openAIWant(3), 0},
}

func TestParserRules(t *testing.T) {
	for _, tc := range parserCases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParser()
			var got []rec
			p.Feed([]byte(tc.stream), time.Time{}, func(ev *Event) { got = append(got, toRec(ev)) })
			if !slices.Equal(got, tc.want) {
				t.Fatalf("stream %q\n got %v\nwant %v", tc.stream, got, tc.want)
			}
			if p.Comments() != tc.comments {
				t.Fatalf("Comments() = %d, want %d", p.Comments(), tc.comments)
			}
			if ref := referenceParse([]byte(tc.stream)); !slices.Equal(ref, tc.want) {
				t.Fatalf("the reference disagrees with the table: %v", ref)
			}
		})
	}
}

func TestParserEveryCaseSurvivesOneByteReads(t *testing.T) {
	for _, tc := range parserCases {
		if got := feedPieces(chunked([]byte(tc.stream), 1)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: one-byte reads give %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParserReconnectionTimeCoversUndispatchedBlocks(t *testing.T) {
	p := NewParser()
	if _, ok := p.ReconnectionTime(); ok {
		t.Fatal("a fresh parser reports a reconnection time")
	}
	p.Feed([]byte("retry: 250\n\nretry: nope\n\n"), time.Time{}, func(*Event) { t.Fatal("nothing should dispatch") })
	if d, ok := p.ReconnectionTime(); !ok || d != 250*time.Millisecond {
		t.Fatalf("ReconnectionTime() = %v, %v; want 250ms, true", d, ok)
	}
}

func TestParserNilEmitAdvancesState(t *testing.T) {
	p := NewParser()
	p.Feed([]byte("id: 5\ndata: skipped\n\n"), time.Time{}, nil)
	var got []rec
	p.Feed([]byte("data: next\n\n"), time.Time{}, func(ev *Event) { got = append(got, toRec(ev)) })
	if want := []rec{{ID: "5", Data: "next"}}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
