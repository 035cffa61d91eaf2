package stub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// DefaultModel is echoed when a request names no model.
const DefaultModel = "ssebench-stub"

// chatRequest holds the only fields of an OpenAI chat request the stub acts on.
type chatRequest struct {
	Model         string            `json:"model"`
	Messages      []json.RawMessage `json:"messages"`
	Stream        bool              `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func (r *chatRequest) includeUsage() bool {
	return r.StreamOptions != nil && r.StreamOptions.IncludeUsage
}

// promptTokens estimates the prompt's size the way a client would roughly
// expect (about four bytes a token); it only has to be stable per request.
func (r *chatRequest) promptTokens() int {
	n := 0
	for _, m := range r.Messages {
		n += len(m)
	}
	return (n + 3) / 4
}

// requestError is a bad request body, with the status and error body to answer.
type requestError struct {
	status int
	api    apiError
}

func (e *requestError) Error() string { return e.api.Message }

var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBodyBuffer pools a body buffer unless one large request grew it: a pool
// of 1 MiB buffers would keep the memory of the largest bodies ever seen.
func putBodyBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBytes {
		bodyBuffers.Put(b)
	}
}

// readRequest reads at most MaxBodyBytes of body and decodes it. The returned
// hash of the raw body seeds deterministic output for X-Stub-Seed.
func readRequest(w http.ResponseWriter, r *http.Request) (chatRequest, uint64, error) {
	var req chatRequest
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer putBodyBuffer(buf)

	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBodyBytes)); err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return req, 0, &requestError{http.StatusRequestEntityTooLarge, apiError{
				Message: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit), Code: codeTooLarge}}
		}
		return req, 0, &requestError{http.StatusBadRequest, apiError{
			Message: "reading request body: " + err.Error(), Code: codeInvalidJSON}}
	}
	body := buf.Bytes()
	if err := json.Unmarshal(body, &req); err != nil {
		return req, 0, decodeError(err)
	}
	if req.Messages == nil {
		return req, 0, &requestError{http.StatusBadRequest, apiError{
			Message: "missing required parameter: 'messages'", Param: param("messages"), Code: codeMissingParam}}
	}
	if len(req.Messages) == 0 {
		return req, 0, &requestError{http.StatusBadRequest, apiError{
			Message: "'messages' must be a non-empty array", Param: param("messages"), Code: codeInvalidParam}}
	}
	if len(req.Model) > MaxModelBytes {
		return req, 0, &requestError{http.StatusBadRequest, apiError{
			Message: fmt.Sprintf("'model' is %d bytes long, over the limit of %d bytes", len(req.Model), MaxModelBytes),
			Param:   param("model"), Code: codeInvalidValue}}
	}
	if req.Model == "" {
		req.Model = DefaultModel
	}
	return req, fnv1a(body), nil
}

func decodeError(err error) error {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return &requestError{http.StatusBadRequest, apiError{
				Message: "request body must be a JSON object", Code: codeInvalidJSON}}
		}
		return &requestError{http.StatusBadRequest, apiError{
			Message: fmt.Sprintf("invalid type for '%s': expected %s, got %s", te.Field, te.Type, te.Value),
			Param:   param(te.Field), Code: codeInvalidParam}}
	}
	return &requestError{http.StatusBadRequest, apiError{
		Message: "request body is not valid JSON: " + err.Error(), Code: codeInvalidJSON}}
}

// fnv1a is FNV-1a 64: stable across processes, unlike maphash, so a seed
// reproduces the same stream after a restart too.
func fnv1a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
