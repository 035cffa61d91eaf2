package conformance_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/sse"
)

// chatBody is the request every check sends; the stub derives a seeded stream from it.
const chatBody = `{"model":"ssebench-stub","stream":true,"messages":[{"role":"user","content":"Relay this stream, byte for byte."}]}`

// shape is a stream's X-Stub-* headers.
type shape map[string]string

func newClient(maxConnsPerHost int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxConnsPerHost:     maxConnsPerHost,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 512,
		DisableCompression:  true,
	}}
}

// newRequest is a chat request to base with the stream shape h and the headers the server
// under test needs on every request (servers.yaml's headers: an AI gateway's routing); the
// stub ignores those, so a request straight to it carries them too.
func (f *fixture) newRequest(ctx context.Context, base string, h shape) *http.Request {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/chat/completions", strings.NewReader(chatBody))
	if err != nil {
		panic(err) // base comes from the fixture: a bad one is a bug in this suite
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	for k, vs := range f.server.RequestHeaders(f.stubURL) {
		req.Header[k] = vs
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	return req
}

// addServerHeaders adds the headers the server under test needs on every request.
func (f *fixture) addServerHeaders(req *http.Request) {
	for k, vs := range f.server.RequestHeaders(f.stubURL) {
		req.Header[k] = vs
	}
}

// rawHeaders is the same headers as lines of a request head written by hand.
func (f *fixture) rawHeaders() string {
	var b strings.Builder
	for k, vs := range f.server.RequestHeaders(f.stubURL) {
		for _, v := range vs {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	return b.String()
}

// stream is one response read as SSE events.
type stream struct {
	status  int
	header  http.Header
	sent    time.Time
	events  []sse.Event
	done    bool  // the last event was data: [DONE]
	readErr error // what ended the body other than a clean EOF
}

// readStream sends req and reads its events until the body ends. The error is for a
// request that got no response at all.
func readStream(client *http.Client, req *http.Request) (stream, error) {
	s := stream{sent: time.Now()}
	resp, err := client.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	s.status, s.header = resp.StatusCode, resp.Header
	body, err := sse.DecodedBody(resp.Header, resp.Body)
	if err != nil {
		s.readErr = err
		return s, nil
	}
	r := sse.NewReader(body, nil)
	for {
		ev, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.readErr = err
			}
			break
		}
		s.events = append(s.events, ev)
	}
	s.done = len(s.events) > 0 && string(s.events[len(s.events)-1].Data) == "[DONE]"
	return s, nil
}

// fetch sends req and reads the whole (de-chunked) body.
func fetch(client *http.Client, req *http.Request) (int, http.Header, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	// As a client that asked for gzip reads it: the bytes the proxy relayed, decompressed.
	decoded, err := sse.DecodedBody(resp.Header, resp.Body)
	if err != nil {
		return resp.StatusCode, resp.Header, nil, err
	}
	body, err := io.ReadAll(decoded)
	return resp.StatusCode, resp.Header, body, err
}

// stubCounter reads one unlabelled counter from the stub's /metrics.
func stubCounter(ctx context.Context, stubURL, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, stubURL+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(rest), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%w %s", errNoCounter, name)
}

var errNoCounter = errors.New("stub /metrics has no")

// firstDifference is a short description of where two bodies part.
func firstDifference(a, b []byte) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	from := max(0, i-40)
	return fmt.Sprintf("first difference at byte %d of %d/%d: stub %q, proxy %q",
		i, len(a), len(b), a[from:min(len(a), i+40)], b[from:min(len(b), i+40)])
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
