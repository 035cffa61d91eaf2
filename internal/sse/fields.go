package sse

import (
	"bytes"
	"math"
	"time"
	"unicode/utf8"
)

// maxRecentTypes bounds the cache of event type strings; streams use a handful of types.
const maxRecentTypes = 8

// processLine applies one complete line (without its line end) to the parser state.
func (p *Parser) processLine(line []byte, at time.Time, emit func(*Event)) {
	if len(line) == 0 {
		p.dispatch(at, emit)
		return
	}
	if line[0] == ':' {
		p.comments++
		return
	}
	name, value := line, line[:0]
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	p.processField(name, value)
}

// processField applies one field; names are compared as raw bytes because
// decoding can never turn other bytes into the ASCII names the spec knows.
func (p *Parser) processField(name, value []byte) {
	switch string(name) {
	case "data":
		p.data = appendDecoded(p.data, value)
		p.data = append(p.data, '\n')
		if len(p.data)-1 > p.maxEvent { // as dispatched: without the final LF
			p.err = ErrEventTooLarge
		}
	case "event":
		p.scratch = appendDecoded(p.scratch[:0], value)
		p.typ = p.internType(p.scratch)
	case "id":
		if bytes.IndexByte(value, 0) >= 0 {
			return
		}
		p.scratch = appendDecoded(p.scratch[:0], value)
		if string(p.scratch) != p.id {
			p.id = string(p.scratch)
		}
	case "retry":
		if d, ok := parseRetry(value); ok {
			p.retry, p.hasRetry = d, true
			p.reconnect, p.hasReconnect = d, true
		}
	}
}

// dispatch handles a blank line: an event goes out only when the data buffer is not empty.
func (p *Parser) dispatch(at time.Time, emit func(*Event)) {
	if len(p.data) > 0 && emit != nil {
		p.ev = Event{
			Type:     p.typ,
			Data:     p.data[:len(p.data)-1],
			ID:       p.id,
			Retry:    p.retry,
			HasRetry: p.hasRetry,
			At:       at,
		}
		emit(&p.ev)
		p.ev.Data = nil
	}
	p.data = p.data[:0]
	p.typ = ""
	p.retry, p.hasRetry = 0, false
}

// internType returns v as a string, reusing a recent identical string instead of allocating.
func (p *Parser) internType(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	for _, s := range p.types {
		if string(v) == s {
			return s
		}
	}
	s := string(v)
	if len(p.types) == maxRecentTypes {
		copy(p.types, p.types[1:])
		p.types = p.types[:maxRecentTypes-1]
	}
	p.types = append(p.types, s)
	return s
}

// parseRetry reads a retry value in milliseconds. The spec accepts only ASCII digits;
// an empty value is ignored too (there is no integer to interpret, and browsers agree).
// Values beyond what a time.Duration holds saturate rather than wrap.
func parseRetry(v []byte) (time.Duration, bool) {
	if len(v) == 0 {
		return 0, false
	}
	const maxMillis = math.MaxInt64 / int64(time.Millisecond)
	var ms int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		if ms <= maxMillis {
			ms = ms*10 + int64(c-'0')
		}
	}
	if ms > maxMillis {
		return time.Duration(math.MaxInt64), true
	}
	return time.Duration(ms) * time.Millisecond, true
}

// appendDecoded appends v decoded as the WHATWG UTF-8 decoder would: valid input is
// copied unchanged, each maximal invalid subpart becomes U+FFFD.
func appendDecoded(dst, v []byte) []byte {
	if utf8.Valid(v) {
		return append(dst, v...)
	}
	return appendWHATWGUTF8(dst, v)
}
