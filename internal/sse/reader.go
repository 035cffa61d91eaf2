package sse

import (
	"io"
	"time"
)

// readBufferSize is one read from the underlying reader; SSE chunks are small.
const readBufferSize = 32 << 10

// maxEmptyReads bounds how often a misbehaving reader may return 0, nil in a row.
const maxEmptyReads = 100

// Reader yields the events of an io.Reader one at a time, with Data owned by the caller.
type Reader struct {
	r      io.Reader
	clock  func() time.Time
	parser *Parser
	buf    []byte
	queue  []Event // events parsed but not yet returned
	head   int     // index of the next event in queue
	err    error   // the read error that ends the stream, once seen
	read   int64
	stash  func(*Event)
}

// NewReader wraps an io.Reader; clock stamps each read (time.Now when nil).
func NewReader(r io.Reader, clock func() time.Time) *Reader {
	if clock == nil {
		clock = time.Now
	}
	rd := &Reader{r: r, clock: clock, parser: NewParser(), buf: make([]byte, readBufferSize)}
	rd.stash = rd.enqueue
	return rd
}

// Next returns the next event with Data owned by the caller; io.EOF at the end of the stream.
// An event left incomplete at EOF is discarded, as WHATWG says. Other read errors are returned
// as they are; a stream that breaks the size limit ends with ErrLineTooLong or ErrEventTooLarge
// (after the events before it), having read at most one read beyond the limit.
func (r *Reader) Next() (Event, error) {
	empty := 0
	for r.head == len(r.queue) {
		if r.err != nil {
			return Event{}, r.err
		}
		r.queue, r.head = r.queue[:0], 0
		n, err := r.r.Read(r.buf)
		if n > 0 {
			r.read += int64(n)
			r.parser.Feed(r.buf[:n], r.clock(), r.stash)
			empty = 0
		}
		if perr := r.parser.Err(); perr != nil {
			r.err = perr // the stream broke the size limit: stop reading it
		} else if err != nil {
			r.err = err
		} else if n == 0 {
			if empty++; empty >= maxEmptyReads {
				r.err = io.ErrNoProgress
			}
		}
	}
	ev := r.queue[r.head]
	r.queue[r.head] = Event{}
	r.head++
	return ev, nil
}

// SetMaxEventSize sets the parser's size limit; see Parser.SetMaxEventSize.
func (r *Reader) SetMaxEventSize(n int) { r.parser.SetMaxEventSize(n) }

// BytesRead returns how many bytes were read from the underlying reader so far.
func (r *Reader) BytesRead() int64 { return r.read }

// Comments returns how many comment lines the stream has carried so far.
func (r *Reader) Comments() int { return r.parser.Comments() }

// ReconnectionTime returns the stream's last valid `retry:` value; see Parser.ReconnectionTime.
func (r *Reader) ReconnectionTime() (time.Duration, bool) { return r.parser.ReconnectionTime() }

// enqueue keeps a copy of an event whose Data would otherwise be reused by the parser.
func (r *Reader) enqueue(ev *Event) {
	owned := *ev
	owned.Data = make([]byte, len(ev.Data))
	copy(owned.Data, ev.Data)
	r.queue = append(r.queue, owned)
}
