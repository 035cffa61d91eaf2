package stub

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestBadInputAnswersOpenAIErrors(t *testing.T) {
	s := startStub(t, zeroDelay())
	valid := `{"messages":[{"role":"user","content":"x"}],"stream":true}`
	tests := []struct {
		name, method, path, body string
		headers                  map[string]string
		status                   int
		code, mention            string
		param                    string
		allow                    string
	}{
		{name: "malformed JSON", method: "POST", path: PathChatCompletions, body: `{"messages":[`, status: 400, code: codeInvalidJSON, mention: "not valid JSON"},
		{name: "trailing garbage", method: "POST", path: PathChatCompletions, body: valid + "x", status: 400, code: codeInvalidJSON, mention: "not valid JSON"},
		{name: "empty body", method: "POST", path: PathChatCompletions, body: ``, status: 400, code: codeInvalidJSON, mention: "not valid JSON"},
		{name: "not an object", method: "POST", path: PathChatCompletions, body: `[1,2]`, status: 400, code: codeInvalidJSON, mention: "JSON object"},
		{name: "missing messages", method: "POST", path: PathChatCompletions, body: `{"stream":true}`, status: 400, code: codeMissingParam, mention: "'messages'", param: "messages"},
		{name: "null messages", method: "POST", path: PathChatCompletions, body: `{"messages":null}`, status: 400, code: codeMissingParam, mention: "'messages'", param: "messages"},
		{name: "empty messages", method: "POST", path: PathChatCompletions, body: `{"messages":[]}`, status: 400, code: codeInvalidParam, mention: "'messages'", param: "messages"},
		{name: "stream not a bool", method: "POST", path: PathChatCompletions, body: `{"messages":[{}],"stream":"yes"}`, status: 400, code: codeInvalidParam, mention: "'stream'", param: "stream"},
		{name: "body over 1 MiB", method: "POST", path: PathChatCompletions, body: `{"messages":[{"content":"` + strings.Repeat("a", MaxBodyBytes) + `"}]}`, status: 413, code: codeTooLarge, mention: "1048576"},
		{name: "GET on completions", method: "GET", path: PathChatCompletions, status: 405, code: codeMethod, mention: "GET", allow: "POST"},
		{name: "PUT on healthz", method: "PUT", path: PathHealthz, status: 405, code: codeMethod, mention: "PUT", allow: "GET, HEAD"},
		{name: "POST on metrics", method: "POST", path: PathMetrics, status: 405, code: codeMethod, mention: "POST", allow: "GET, HEAD"},
		{name: "unknown route", method: "POST", path: "/v1/completions", body: valid, status: 404, code: codeUnknownURL, mention: "/v1/completions"},
		{name: "root", method: "GET", path: "/", status: 404, code: codeUnknownURL, mention: "GET /"},
	}
	for _, h := range overrideHeaderCases() {
		tests = append(tests, struct {
			name, method, path, body string
			headers                  map[string]string
			status                   int
			code, mention            string
			param                    string
			allow                    string
		}{name: h.header + "=" + h.value, method: "POST", path: PathChatCompletions, body: valid,
			headers: map[string]string{h.header: h.value}, status: 400, code: codeInvalidHeader, mention: h.header})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tc.method, s.url+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := s.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, raw)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			checkErrorBody(t, raw, tc.code, tc.mention, tc.param)
		})
	}
	if got := s.metric(t, "ssebench_stub_streams_started_total"); got != 0 {
		t.Errorf("%v streams started by bad requests", got)
	}
}

// checkErrorBody asserts the exact OpenAI error shape: four keys, param null unless named.
func checkErrorBody(t *testing.T, raw []byte, code, mention, param string) {
	t.Helper()
	var shape map[string]map[string]any
	if err := json.Unmarshal(raw, &shape); err != nil || len(shape) != 1 || len(shape["error"]) != 4 {
		t.Fatalf("not an OpenAI error body (error.message/type/param/code): %s", raw)
	}
	var e errorBody
	decodeStrict(t, string(raw), &e)
	if e.Error.Code != code || e.Error.Type == "" || !strings.Contains(e.Error.Message, mention) {
		t.Errorf("error %+v: want code %q and a message mentioning %q", e.Error, code, mention)
	}
	switch {
	case param == "" && e.Error.Param != nil:
		t.Errorf("param %q, want null", *e.Error.Param)
	case param != "" && (e.Error.Param == nil || *e.Error.Param != param):
		t.Errorf("param %v, want %q", e.Error.Param, param)
	}
}

type headerCase struct{ header, value string }

// overrideHeaderCases are malformed or out-of-range values of every override header.
func overrideHeaderCases() []headerCase {
	return []headerCase{
		{HeaderProfile, "fast"},
		{HeaderTokens, "ten"}, {HeaderTokens, "-1"}, {HeaderTokens, "100001"},
		{HeaderTokensDist, "normal:mean=200,sd=150"}, {HeaderTokensDist, "lognormal:mean=-1,sd=150"},
		{HeaderTokensDist, "lognormal:mean=200"}, {HeaderTokensDist, "histogram:/etc/passwd"}, {HeaderTokensDist, "lognormal"},
		{HeaderTimeToFirstToken, "100"}, {HeaderTimeToFirstToken, "-5ms"}, {HeaderTimeToFirstToken, "11m"},
		{HeaderInterTokenDelay, "fast"}, {HeaderInterTokenDelay, "-1s"},
		{HeaderJitter, "1x"}, {HeaderJitter, "-1ms"},
		{HeaderTokenSize, "0"}, {HeaderTokenSize, "4097"}, {HeaderTokenSize, "4.5"},
		{HeaderSeed, "-3"}, {HeaderSeed, "abc"},
		{HeaderErrorRate, "1.5"}, {HeaderErrorRate, "NaN"}, {HeaderErrorRate, "half"},
		{HeaderErrorStatus, "200"}, {HeaderErrorStatus, "600"}, {HeaderErrorStatus, "x"},
		{HeaderAbortRate, "-0.1"}, {HeaderAbortRate, "x"},
		{HeaderAbortAfter, "-2"}, {HeaderAbortAfter, "two"},
		{HeaderStall, "forever"}, {HeaderStall, "-1s"},
		{HeaderCancelAt, "soon"}, {HeaderCancelAt, "-5"}, {HeaderCancelAt, "0"}, {HeaderCancelAt, "1.7e18"},
		{HeaderCancelAt, "1700000000"},    // Unix seconds, not nanoseconds
		{HeaderCancelAt, "1700000000000"}, // Unix milliseconds
		{"X-Stub-Tokns", "5"},
	}
}
