package sse

// replacement is U+FFFD REPLACEMENT CHARACTER in UTF-8.
var replacement = []byte{0xEF, 0xBF, 0xBD}

// appendWHATWGUTF8 appends v decoded by the UTF-8 decoder of the WHATWG Encoding
// standard (section 9.1.1): every maximal subpart of an ill-formed sequence becomes
// one U+FFFD, and the byte that broke a sequence is examined again as a new start.
// Decoding a line at a time equals decoding the whole stream, because CR and LF are
// ASCII and an ASCII byte always ends a pending sequence.
func appendWHATWGUTF8(dst, v []byte) []byte {
	i := 0
	for i < len(v) {
		c := v[i]
		if c < 0x80 {
			dst = append(dst, c)
			i++
			continue
		}
		need, lower, upper := leadInfo(c)
		if need == 0 {
			dst = append(dst, replacement...)
			i++
			continue
		}
		j := i + 1
		for seen := 0; seen < need; seen++ {
			if j == len(v) || v[j] < lower || v[j] > upper {
				break
			}
			lower, upper = 0x80, 0xBF
			j++
		}
		if j-i == need+1 {
			dst = append(dst, v[i:j]...)
		} else {
			dst = append(dst, replacement...)
		}
		i = j
	}
	return dst
}

// leadInfo returns how many continuation bytes a lead byte needs and the range the
// first of them must fall in; need is 0 when c cannot start a sequence.
func leadInfo(c byte) (need int, lower, upper byte) {
	switch {
	case c >= 0xC2 && c <= 0xDF:
		return 1, 0x80, 0xBF
	case c == 0xE0:
		return 2, 0xA0, 0xBF
	case c == 0xED:
		return 2, 0x80, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		return 2, 0x80, 0xBF
	case c == 0xF0:
		return 3, 0x90, 0xBF
	case c == 0xF4:
		return 3, 0x80, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		return 3, 0x80, 0xBF
	}
	return 0, 0, 0
}
