package sse

import (
	"testing"
	"unicode/utf8"
)

// Vectors from Unicode 15 section 3.9 (table 3-8, "U+FFFD for maximal subparts"),
// which the WHATWG Encoding standard's UTF-8 decoder follows.
func TestWHATWGUTF8Decoder(t *testing.T) {
	const r = "\uFFFD"
	cases := []struct{ name, in, want string }{
		{"ascii", "abc", "abc"},
		{"valid 2, 3 and 4 byte", "é世🙂", "é世🙂"},
		{"table 3-8", "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", "a" + r + r + r + "b" + r + "c" + r + r + "d"},
		{"overlong 2 byte", "\xC0\xAF", r + r},
		{"overlong 3 byte", "\xE0\x80\xAF", r + r + r},
		{"overlong 4 byte", "\xF0\x80\x80\xAF", r + r + r + r},
		{"surrogate", "\xED\xA0\x80", r + r + r},
		{"above U+10FFFF", "\xF4\x90\x80\x80", r + r + r + r},
		{"byte F5 never starts a sequence", "\xF5\x80", r + r},
		{"truncated 3 byte at end", "\xE2\x82", r},
		{"truncated 4 byte at end", "\xF0\x9F\x98", r},
		{"truncated then ASCII", "\xE2\x82x", r + "x"},
		{"lone continuation", "\x80", r},
		{"max code point", "\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := string(appendWHATWGUTF8(nil, []byte(tc.in)))
			if got != tc.want {
				t.Fatalf("decode(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Fatalf("decode(%q) is not valid UTF-8", tc.in)
			}
		})
	}
}
