package sse

import (
	"bytes"
	"errors"
	"time"
)

// DefaultMaxEventSize bounds, in bytes, one line and one event's data unless
// SetMaxEventSize says otherwise: far above any LLM token chunk, far below
// what would take down a process reading an untrusted stream.
const DefaultMaxEventSize = 1 << 20

// Parse errors: the stream broke a size limit. The parser stops at the first
// (Err reports it) instead of buffering without bound.
var (
	ErrLineTooLong   = errors.New("sse: line longer than the size limit")
	ErrEventTooLarge = errors.New("sse: event data larger than the size limit")
)

// utf8BOM is skipped once, and only as the very first bytes of the stream.
var utf8BOM = [3]byte{0xEF, 0xBB, 0xBF}

// Parser turns a byte stream into events. The zero value is not ready; use NewParser.
// A Parser is not safe for concurrent use, and emit must not call Feed again.
type Parser struct {
	bomMatched int  // BOM bytes matched so far at the start of the stream
	bomDone    bool // the start of the stream is behind us
	afterCR    bool // the previous read ended with CR: an LF opening the next read belongs to it

	partial []byte // the start of a line whose end has not arrived yet

	maxEvent int   // the size limit of a line and of an event's data
	err      error // the limit broken, if any; Feed does nothing once set

	data     []byte // the data buffer, each `data:` value followed by LF
	typ      string // the event type buffer
	id       string // the last event ID buffer
	retry    time.Duration
	hasRetry bool

	reconnect    time.Duration // the stream's reconnection time, set by every valid retry field
	hasReconnect bool
	comments     int

	scratch []byte   // decoded field values that are not appended to data
	types   []string // recent event types, so that a repeated type costs no allocation
	ev      Event    // handed to emit; reused so that dispatching does not allocate
}

// NewParser returns a parser positioned at the start of a stream.
func NewParser() *Parser {
	return &Parser{
		partial:  make([]byte, 0, 512),
		data:     make([]byte, 0, 1024),
		scratch:  make([]byte, 0, 64),
		maxEvent: DefaultMaxEventSize,
	}
}

// SetMaxEventSize sets the largest line and the largest event data (its data
// lines joined, as dispatched) the parser accepts, in bytes; n <= 0 restores
// DefaultMaxEventSize. Reset keeps it.
func (p *Parser) SetMaxEventSize(n int) {
	if n <= 0 {
		n = DefaultMaxEventSize
	}
	p.maxEvent = n
}

// Err returns ErrLineTooLong or ErrEventTooLarge once the stream broke the
// size limit, nil before. From then on Feed ignores its input; the events
// dispatched before the offending line were delivered.
func (p *Parser) Err() error { return p.err }

// maxRetainedBuffer bounds what Reset keeps of a buffer that one huge line or event grew,
// so that a reused parser does not pin that memory for the rest of its life.
const maxRetainedBuffer = 64 << 10

// Reset positions p at the start of a new stream, as NewParser would, keeping its grown
// buffers (up to a bound) so that parsing stream after stream with one parser does not
// allocate.
func (p *Parser) Reset() {
	*p = Parser{
		partial:  reuse(p.partial, 512),
		data:     reuse(p.data, 1024),
		scratch:  reuse(p.scratch, 64),
		types:    p.types, // interned strings: still valid, and they save the next stream allocations
		maxEvent: p.maxEvent,
	}
}

// reuse empties b, or replaces it with a fresh buffer of capacity n when b is nil or has
// grown past maxRetainedBuffer.
func reuse(b []byte, n int) []byte {
	if b == nil || cap(b) > maxRetainedBuffer {
		return make([]byte, 0, n)
	}
	return b[:0]
}

// Feed consumes bytes that arrived at time `at`; emit is called once per dispatched event, in order.
// The *Event and its Data are only valid during the call (this keeps Feed allocation-free per event).
// Once the stream has broken the size limit (see Err), Feed does nothing.
func (p *Parser) Feed(b []byte, at time.Time, emit func(*Event)) {
	if p.err != nil {
		return
	}
	if !p.bomDone {
		b = p.skipBOM(b)
	}
	if p.afterCR && len(b) > 0 {
		p.afterCR = false
		if b[0] == '\n' {
			b = b[1:]
		}
	}
	p.splitLines(b, at, emit)
}

// Comments returns how many comment lines (lines starting with ':') the stream has carried.
func (p *Parser) Comments() int { return p.comments }

// ReconnectionTime returns the stream's reconnection time: the last valid `retry:` value
// anywhere in the stream, including blocks that dispatched no event. ok is false when none.
func (p *Parser) ReconnectionTime() (d time.Duration, ok bool) { return p.reconnect, p.hasReconnect }

// skipBOM drops a leading UTF-8 BOM, which may itself arrive split across reads.
// When the stream turns out not to start with a BOM, the bytes held back are
// ordinary content; none of them is a line end, so they belong to the first line.
func (p *Parser) skipBOM(b []byte) []byte {
	for len(b) > 0 {
		if b[0] != utf8BOM[p.bomMatched] {
			p.partial = append(p.partial, utf8BOM[:p.bomMatched]...)
			p.bomDone = true
			return b
		}
		b = b[1:]
		p.bomMatched++
		if p.bomMatched == len(utf8BOM) {
			p.bomDone = true
			return b
		}
	}
	return b
}

// splitLines processes every complete line of b and keeps the incomplete tail.
// The positions of the next CR and LF are remembered rather than searched again for
// every line, so that a long read of CR-only lines stays linear.
func (p *Parser) splitLines(b []byte, at time.Time, emit func(*Event)) {
	nextLF, nextCR := -1, -1
	pos := 0
	for pos < len(b) {
		if nextLF < pos {
			nextLF = indexFrom(b, pos, '\n')
		}
		if nextCR < pos {
			nextCR = indexFrom(b, pos, '\r')
		}
		end := min(nextLF, nextCR)
		if end == len(b) {
			if len(p.partial)+len(b)-pos > p.maxEvent {
				p.err = ErrLineTooLong
				return
			}
			p.partial = append(p.partial, b[pos:]...)
			return
		}
		line := b[pos:end]
		if len(p.partial)+len(line) > p.maxEvent {
			p.err = ErrLineTooLong
			return
		}
		if len(p.partial) > 0 {
			p.partial = append(p.partial, line...)
			line = p.partial
		}
		pos = end + 1
		if b[end] == '\r' {
			if pos == len(b) {
				p.afterCR = true
			} else if b[pos] == '\n' {
				pos++
			}
		}
		p.processLine(line, at, emit)
		p.partial = p.partial[:0]
		if p.err != nil {
			return
		}
	}
}

// indexFrom returns the index of c in b at or after from, or len(b) when there is none.
func indexFrom(b []byte, from int, c byte) int {
	i := bytes.IndexByte(b[from:], c)
	if i < 0 {
		return len(b)
	}
	return from + i
}
