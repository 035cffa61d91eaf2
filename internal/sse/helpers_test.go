package sse

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// rec is an Event without its arrival time, comparable with ==.
type rec struct {
	Type     string
	Data     string
	ID       string
	Retry    time.Duration
	HasRetry bool
}

func (r rec) String() string {
	return fmt.Sprintf("{type=%q data=%q id=%q retry=%v/%v}", r.Type, r.Data, r.ID, r.Retry, r.HasRetry)
}

func toRec(ev *Event) rec {
	return rec{Type: ev.Type, Data: string(ev.Data), ID: ev.ID, Retry: ev.Retry, HasRetry: ev.HasRetry}
}

// feedPieces feeds each piece as one read and returns the events in order.
func feedPieces(pieces [][]byte) []rec {
	p := NewParser()
	var out []rec
	for _, piece := range pieces {
		p.Feed(piece, time.Time{}, func(ev *Event) { out = append(out, toRec(ev)) })
	}
	return out
}

// cutAt splits stream at the given increasing offsets.
func cutAt(stream []byte, cuts ...int) [][]byte {
	var pieces [][]byte
	prev := 0
	for _, c := range cuts {
		pieces = append(pieces, stream[prev:c])
		prev = c
	}
	return append(pieces, stream[prev:])
}

// chunked splits stream into reads of n bytes (the last may be shorter).
func chunked(stream []byte, n int) [][]byte {
	var pieces [][]byte
	for len(stream) > n {
		pieces = append(pieces, stream[:n])
		stream = stream[n:]
	}
	return append(pieces, stream)
}

// referenceParse is a direct transcription of the WHATWG steps over the whole stream
// at once: strip one BOM, decode, split lines, interpret. It shares only the UTF-8
// decoder with the parser, and that decoder has its own vector tests.
func referenceParse(stream []byte) []rec {
	stream = bytes.TrimPrefix(stream, utf8BOM[:])
	text := string(appendWHATWGUTF8(nil, stream))
	var (
		out      []rec
		data     strings.Builder
		typ, id  string
		retry    time.Duration
		hasRetry bool
	)
	for {
		end := strings.IndexAny(text, "\r\n")
		if end < 0 {
			return out // a line without its end, and any pending event, is discarded at EOF
		}
		line := text[:end]
		if strings.HasPrefix(text[end:], "\r\n") {
			text = text[end+2:]
		} else {
			text = text[end+1:]
		}
		switch {
		case line == "":
			if data.Len() > 0 {
				out = append(out, rec{Type: typ, Data: strings.TrimSuffix(data.String(), "\n"), ID: id, Retry: retry, HasRetry: hasRetry})
			}
			data.Reset()
			typ, retry, hasRetry = "", 0, false
		case line[0] == ':':
		default:
			name, value, found := strings.Cut(line, ":")
			if found {
				value = strings.TrimPrefix(value, " ")
			}
			switch name {
			case "data":
				data.WriteString(value + "\n")
			case "event":
				typ = value
			case "id":
				if !strings.Contains(value, "\x00") {
					id = value
				}
			case "retry":
				if value != "" && strings.Trim(value, "0123456789") == "" {
					retry, hasRetry = referenceRetry(value), true
				}
			}
		}
	}
}

// referenceRetry converts a string of ASCII digits to milliseconds, saturating.
func referenceRetry(digits string) time.Duration {
	ms, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || ms > math.MaxInt64/int64(time.Millisecond) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ms) * time.Millisecond
}
