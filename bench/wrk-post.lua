-- The same request ssebench load sends: one streamed chat completion.
wrk.method = "POST"
wrk.body = '{"model":"ssebench","stream":true,"messages":[{"role":"user","content":"Say something."}]}'
wrk.headers["Content-Type"] = "application/json"
