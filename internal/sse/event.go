// Package sse is an incremental parser for text/event-stream bodies that follows the
// WHATWG HTML "event stream interpretation" rules, fed by reads that may split the
// stream at any byte.
package sse

import "time"

// Event is one dispatched SSE event.
type Event struct {
	Type     string        // value of the last `event:` field of this event; "" when none (that is, "message")
	Data     []byte        // the data buffer: `data:` lines joined with "\n", the final LF removed (WHATWG)
	ID       string        // the last event ID buffer at dispatch time (it persists across events, WHATWG)
	Retry    time.Duration // the last valid `retry:` value seen in this event, 0 when none
	HasRetry bool
	At       time.Time // arrival time of the read that delivered the event's final byte (the blank line)
}
