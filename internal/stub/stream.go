package stub

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Header values shared by every response; net/http only reads them. No
// X-Accel-Buffering: no — the providers this stub stands in for do not send it, and it would
// switch nginx's default buffering off for each response, hiding the pitfall that the
// nginx-defaults row shows.
var (
	eventStreamHeaders = map[string][]string{
		"Content-Type":  {"text/event-stream"},
		"Cache-Control": {"no-cache"},
	}
	jsonContentType = []string{"application/json"}
)

// stream answers a chat.completion.chunk event stream. Each event is one
// Write followed by a flush, so that every event leaves as its own TCP
// segment and a proxy's buffering, not the stub's, is what the load sees.
func (h *handler) stream(w http.ResponseWriter, r *http.Request, p *requestParams, req *chatRequest, st *streamState, pl plan) {
	hdr := w.Header()
	for k, v := range eventStreamHeaders {
		hdr[k] = v
	}
	h.writeHeader(w, http.StatusOK)
	h.m.started.Add(1)
	h.m.active.Add(1)
	defer h.m.active.Add(-1)

	completed := h.relay(w, r, p, req, st, pl)
	if completed {
		h.m.completed.Add(1)
	}
	if p.cancelAt != 0 {
		h.m.cancelOutcome(p.cancelAt, completed, time.Now())
	}
}

// relay writes the stream's events and reports whether it reached [DONE]; false means the
// client went away (send and pause have counted it). An injected abort panics out of it.
func (h *handler) relay(w http.ResponseWriter, r *http.Request, p *requestParams, req *chatRequest, st *streamState, pl plan) bool {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	if h.send(ctx, w, rc, st.enc.role()) != nil {
		return false
	}
	shape := &p.Shape
	for i := range shape.Tokens {
		if i == pl.abortAt {
			h.faultAbort(r, i)
		}
		if i == pl.stallAt {
			h.m.stalls.Add(1)
			if h.pause(ctx, st, p.Faults.Stall) != nil {
				return false
			}
		}
		if h.pause(ctx, st, st.delay(shape, i)) != nil {
			return false
		}
		st.text = st.words.next(st.text[:0], shape.TokenSize)
		if h.send(ctx, w, rc, st.enc.content(st.text)) != nil {
			return false
		}
	}
	if pl.abortAt == shape.Tokens {
		h.faultAbort(r, shape.Tokens)
	}
	if h.send(ctx, w, rc, st.enc.finish()) != nil {
		return false
	}
	if req.includeUsage() {
		if h.send(ctx, w, rc, st.enc.usage(req.promptTokens(), shape.Tokens)) != nil {
			return false
		}
	}
	// [DONE] is not flushed: net/http flushes it with the chunked terminator
	// when the handler returns, in one write instead of two (a twelfth of a
	// default stream's writes). The terminator is not an event.
	return h.send(ctx, w, nil, doneEvent) == nil
}

// send writes one event in a single Write and flushes it unless rc is nil. A
// failure means the client is gone; it is counted here, once per stream.
func (h *handler) send(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, event []byte) error {
	err := ctx.Err()
	if err == nil {
		_, err = w.Write(event)
	}
	if err == nil && rc != nil {
		err = rc.Flush()
	}
	if err != nil {
		h.m.clientAborted.Add(1)
		h.log.Debug("client went away mid-stream", "error", err)
		return err
	}
	h.m.events.Add(1)
	return nil
}

// pause waits d, counting a client that leaves meanwhile.
func (h *handler) pause(ctx context.Context, st *streamState, d time.Duration) error {
	if err := st.wait(ctx, d); err != nil {
		h.m.clientAborted.Add(1)
		h.log.Debug("client went away while the stream waited", "error", err)
		return err
	}
	return nil
}

// faultAbort drops the connection without the chunked terminator: the client
// sees an unexpected EOF and no [DONE], as when a model backend dies.
// net/http recovers http.ErrAbortHandler silently and closes the connection.
func (h *handler) faultAbort(r *http.Request, sent int) {
	h.m.faultAborted.Add(1)
	h.log.Debug("injected mid-stream abort", "path", r.URL.Path, "content_chunks_sent", sent)
	panic(http.ErrAbortHandler)
}

// completionPiece is how much content a non-streaming answer renders per
// Write: its memory does not grow with the answer.
const completionPiece = 16 << 10

// complete answers one chat.completion object after the time the stream
// would have taken. Abort faults apply to streams only. The content is
// written in pieces of completionPiece bytes; the words are the same as a
// stream's (they come from their own random source, the delays from another).
func (h *handler) complete(w http.ResponseWriter, r *http.Request, p *requestParams, req *chatRequest, st *streamState) {
	shape := &p.Shape
	var total time.Duration
	for i := range shape.Tokens {
		total += st.delay(shape, i)
	}
	if err := st.wait(r.Context(), total+p.Faults.Stall); err != nil {
		h.log.Debug("client went away before the completion", "error", err)
		return
	}
	b := appendCompletionHead(st.enc.buf[:0], st.id, st.created, req.Model)
	headLen := len(b)
	b = appendCompletionTail(b, req.promptTokens(), shape.Tokens)
	st.enc.buf = b
	content := shape.Tokens * shape.TokenSize
	w.Header()["Content-Type"] = jsonContentType
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(b) + content)}
	h.writeHeader(w, http.StatusOK)
	if _, err := w.Write(b[:headLen]); err != nil {
		return
	}
	for left := content; left > 0; {
		n := min(left, completionPiece)
		st.text = st.words.next(st.text[:0], n)
		if _, err := w.Write(st.text); err != nil {
			h.log.Debug("client went away during the completion", "error", err)
			return
		}
		left -= n
	}
	_, _ = w.Write(b[headLen:])
}

// outputBytes is the exact length of the body the request asked for.
func (st *streamState) outputBytes(p *requestParams, req *chatRequest) int {
	shape := &p.Shape
	if req.Stream {
		return st.enc.streamBytes(shape.Tokens, shape.TokenSize, req.includeUsage(), req.promptTokens())
	}
	b := appendCompletionHead(st.enc.buf[:0], st.id, st.created, req.Model)
	b = appendCompletionTail(b, req.promptTokens(), shape.Tokens)
	st.enc.buf = b
	return len(b) + shape.Tokens*shape.TokenSize
}
