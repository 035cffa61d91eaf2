package stub

import (
	"encoding/json"
	"net/http"
)

// apiError is the body OpenAI answers errors with, so that clients and proxies
// see the same shape from the stub as from the real service.
type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// Error codes the stub answers with.
const (
	codeInvalidJSON    = "invalid_json"
	codeMissingParam   = "missing_required_parameter"
	codeInvalidParam   = "invalid_type"
	codeInvalidHeader  = "invalid_override_header"
	codeMethod         = "method_not_allowed"
	codeUnknownURL     = "unknown_url"
	codeTooLarge       = "request_too_large"
	codeOutputTooLarge = "output_too_large"
	codeInvalidValue   = "invalid_value"
	codeInjected       = "injected_fault"
	typeInvalidRequest = "invalid_request_error"
	typeServerError    = "server_error"
	typeRateLimitError = "rate_limit_error"
)

func errorType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return typeRateLimitError
	case status >= 500:
		return typeServerError
	}
	return typeInvalidRequest
}

// writeError answers status with an OpenAI-shaped JSON error.
func (h *handler) writeError(w http.ResponseWriter, status int, e apiError) {
	if e.Type == "" {
		e.Type = errorType(status)
	}
	body, err := json.Marshal(struct {
		Error apiError `json:"error"`
	}{e})
	if err != nil { // cannot happen: every field is a plain string
		body = []byte(`{"error":{"message":"internal error","type":"server_error","param":null,"code":null}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	h.writeHeader(w, status)
	_, _ = w.Write(append(body, '\n'))
}

func param(name string) *string { return &name }
