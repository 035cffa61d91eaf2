package stub

import (
	"strconv"
	"unicode/utf8"
)

// systemFingerprint is constant so that seeded streams stay byte-identical.
const systemFingerprint = "fp_ssebench"

// chunkEncoder renders the events of one stream into a reused buffer. The part
// every chunk shares (id, created, model) is encoded once per stream, so a
// content event costs a few appends and no allocation.
type chunkEncoder struct {
	head []byte // `data: {"id":…,"system_fingerprint":…,"choices":`
	tail []byte // `}` or `,"usage":null}` (OpenAI's shape when usage is requested), then the blank line
	buf  []byte
}

func (e *chunkEncoder) reset(id []byte, created int64, model string, includeUsage bool) {
	e.head = append(e.head[:0], `data: {"id":"`...)
	e.head = append(e.head, id...)
	e.head = append(e.head, `","object":"chat.completion.chunk","created":`...)
	e.head = strconv.AppendInt(e.head, created, 10)
	e.head = append(e.head, `,"model":`...)
	e.head = appendJSONString(e.head, model)
	e.head = append(e.head, `,"system_fingerprint":"`+systemFingerprint+`","choices":`...)
	e.tail = e.tail[:0]
	if includeUsage {
		e.tail = append(e.tail, `,"usage":null`...)
	}
	e.tail = append(e.tail, "}\n\n"...)
}

// The choices of each kind of chunk, between the shared head and tail.
const (
	roleChoices    = `[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]`
	contentBefore  = `[{"index":0,"delta":{"content":"`
	contentAfter   = `"},"logprobs":null,"finish_reason":null}]`
	finishChoices  = `[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`
	usageChoices   = `[],"usage":`
	usageChunkTail = "}\n\n"
)

func (e *chunkEncoder) role() []byte {
	e.buf = append(append(e.buf[:0], e.head...), roleChoices...)
	return append(e.buf, e.tail...)
}

// content renders a content chunk; text is plain ASCII words and needs no escaping.
func (e *chunkEncoder) content(text []byte) []byte {
	e.buf = append(append(e.buf[:0], e.head...), contentBefore...)
	e.buf = append(append(e.buf, text...), contentAfter...)
	return append(e.buf, e.tail...)
}

func (e *chunkEncoder) finish() []byte {
	e.buf = append(append(e.buf[:0], e.head...), finishChoices...)
	return append(e.buf, e.tail...)
}

func (e *chunkEncoder) usage(prompt, completion int) []byte {
	e.buf = append(append(e.buf[:0], e.head...), usageChoices...)
	e.buf = appendUsage(e.buf, prompt, completion)
	return append(e.buf, usageChunkTail...)
}

// streamBytes is the exact length of the stream role(), content() × tokens,
// finish(), usage() when asked and [DONE] make, computed without rendering it.
func (e *chunkEncoder) streamBytes(tokens, tokenSize int, usage bool, prompt int) int {
	frame := len(e.head) + len(e.tail)
	n := frame + len(roleChoices) +
		tokens*(frame+len(contentBefore)+tokenSize+len(contentAfter)) +
		frame + len(finishChoices) + len(doneEvent)
	if usage {
		var tmp [96]byte
		n += len(e.head) + len(usageChoices) + len(appendUsage(tmp[:0], prompt, tokens)) + len(usageChunkTail)
	}
	return n
}

var doneEvent = []byte("data: [DONE]\n\n")

func appendUsage(b []byte, prompt, completion int) []byte {
	b = append(b, `{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt), 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, int64(completion), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(prompt+completion), 10)
	return append(b, '}')
}

// appendCompletionHead renders the non-streaming chat.completion object up
// to its content; appendCompletionTail renders what follows the content. The
// content is written between them in pieces, never held whole.
func appendCompletionHead(b []byte, id []byte, created int64, model string) []byte {
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, `","object":"chat.completion","created":`...)
	b = strconv.AppendInt(b, created, 10)
	b = append(b, `,"model":`...)
	b = appendJSONString(b, model)
	return append(b, `,"system_fingerprint":"`+systemFingerprint+`","choices":[{"index":0,"message":{"role":"assistant","content":"`...)
}

func appendCompletionTail(b []byte, prompt, completion int) []byte {
	b = append(b, `","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":`...)
	b = appendUsage(b, prompt, completion)
	return append(b, "}\n"...)
}

// appendJSONString appends s as a JSON string literal. The model name is the
// only client-supplied text the stub echoes, so it is the only one escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}
