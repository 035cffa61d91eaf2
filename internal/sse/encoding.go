package sse

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// DecodedBody is an event stream's body as events: itself, or gunzipped as it arrives when
// the server compressed it (Content-Encoding: gzip) for a client that asked for gzip. A
// proxy that compresses must flush each event through its compressor; one that holds
// events back shows it here, as real clients (browsers, SDKs) would see it.
func DecodedBody(h http.Header, body io.Reader) (io.Reader, error) {
	switch enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding"))); enc {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, fmt.Errorf("gzip-encoded event stream: %w", err)
		}
		zr.Multistream(false)
		return zr, nil
	default:
		return nil, fmt.Errorf("event stream in Content-Encoding %q, which no client here decodes", enc)
	}
}
