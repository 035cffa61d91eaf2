package sse

import (
	"fmt"
	"strings"
)

// openAIChunk is one content chunk as OpenAI-compatible servers (and our stub) stream it.
func openAIChunk(i int) string {
	return fmt.Sprintf(`{"id":"chatcmpl-9f3a","object":"chat.completion.chunk","created":1764200000,"model":"gpt-4o-mini","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":" tok%d"},"logprobs":null,"finish_reason":null}]}`, i)
}

const (
	openAIRole   = `{"id":"chatcmpl-9f3a","object":"chat.completion.chunk","created":1764200000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`
	openAIFinish = `{"id":"chatcmpl-9f3a","object":"chat.completion.chunk","created":1764200000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
	openAIUsage  = `{"id":"chatcmpl-9f3a","object":"chat.completion.chunk","created":1764200000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`
)

// openAIPayloads lists the data of every event of a stream with n content chunks.
func openAIPayloads(n int) []string {
	payloads := []string{openAIRole}
	for i := range n {
		payloads = append(payloads, openAIChunk(i))
	}
	return append(payloads, openAIFinish, openAIUsage, "[DONE]")
}

// openAIStream is the body of a streamed chat completion with n content chunks.
func openAIStream(n int) string {
	var b strings.Builder
	for _, payload := range openAIPayloads(n) {
		b.WriteString("data: " + payload + "\n\n")
	}
	return b.String()
}

func openAIWant(n int) []rec {
	var want []rec
	for _, payload := range openAIPayloads(n) {
		want = append(want, msg(payload))
	}
	return want
}
